"""Payload encryption for Temporal: what workflows carry (inputs, results, failures) is
encrypted before it leaves the process, so that the server and its history never hold an
advertiser's data in the clear; the codec server lets the Web UI show it to those allowed."""

from codec.encryption import ENCODING, KEY_ID, EncryptionCodec, KeyRing, decode_tree, new_key

__all__ = ["ENCODING", "KEY_ID", "EncryptionCodec", "KeyRing", "decode_tree", "new_key"]
