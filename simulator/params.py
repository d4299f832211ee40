"""Request parameters as TikTok reads them, with typed accessors that fail with 40002.

GET endpoints take query parameters where a list or an object is one JSON-encoded value
(``fields=["a","b"]``, ``filtering={"campaign_ids":["1"]}``), which is what TikTok's SDKs
send; we also accept a list as repeated keys (``campaign_ids=1&campaign_ids=2``). POST
endpoints take a JSON body (uploads: multipart form fields). Every accessor names the
field in its error so that a client can tell what to fix.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from simulator.errors import missing, param_error


def _decode_json(field: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise param_error(field, "Not a valid JSON value.") from exc


class Params:
    """One request's parameters, from a query string, a JSON body or a multipart form."""

    def __init__(self, values: Mapping[str, Any], multi: Mapping[str, list[str]] | None = None) -> None:
        # ``values``: one value per key (JSON body, or the last query value);
        # ``multi``: every value of repeated query keys (None for JSON bodies).
        self.values = dict(values)
        self.multi = dict(multi) if multi is not None else None

    @classmethod
    def from_query(cls, items: Iterable[tuple[str, str]]) -> Params:
        multi: dict[str, list[str]] = {}
        for key, value in items:
            multi.setdefault(key.removesuffix("[]"), []).append(value)
        return cls({k: v[-1] for k, v in multi.items()}, multi)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def dump(self) -> dict[str, Any]:
        """Plain dict of the parameters (lists decoded), for storing or hashing."""
        return dict(self.values)

    # -- scalars ---------------------------------------------------------------------------
    def string(self, name: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return None
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise param_error(name, "Not a valid string.")
        text = str(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if max_len is not None and len(text) > max_len:
            raise param_error(name, f"Length must be between 1 and {max_len}.")
        return text

    def req_str(self, name: str, *, max_len: int | None = None) -> str:
        value = self.string(name, required=True, max_len=max_len)
        assert value is not None
        return value

    def number(
        self, name: str, *, required: bool = False, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return None
        if isinstance(value, bool):
            raise param_error(name, "Not a valid number.")
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise param_error(name, "Not a valid number.") from exc
        if not math.isfinite(number):
            raise param_error(name, "Not a valid number.")
        if minimum is not None and number < minimum:
            raise param_error(name, f"Must be greater than or equal to {minimum:g}.")
        if maximum is not None and number > maximum:
            raise param_error(name, f"Must be less than or equal to {maximum:g}.")
        return number

    def integer(
        self, name: str, *, default: int, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self.number(name)
        if value is None:
            return default
        if not float(value).is_integer():
            raise param_error(name, "Not a valid integer.")
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            raise param_error(name, f"Must be between {minimum} and {maximum}.")
        if minimum is not None and value < minimum:
            raise param_error(name, f"Must be greater than or equal to {minimum}.")
        return int(value)

    def boolean(self, name: str, *, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise param_error(name, "Not a valid boolean.")

    def enum(
        self, name: str, allowed: Iterable[str], *, required: bool = False, default: str | None = None
    ) -> str | None:
        value = self.string(name, required=required)
        if value is None:
            return default
        return check_enum(name, value, allowed)

    # -- lists and objects -----------------------------------------------------------------
    def list_of(
        self, name: str, *, required: bool = False, min_len: int = 0, max_len: int | None = None
    ) -> list[Any] | None:
        """A list given as JSON (``["a","b"]``), as repeated query keys, or as a JSON body array."""
        value: Any = self.values.get(name)
        if self.multi is not None and len(self.multi.get(name, [])) > 1:
            value = self.multi[name]
        elif isinstance(value, str):
            stripped = value.strip()
            if stripped == "":
                value = None
            elif stripped.startswith("["):
                value = _decode_json(name, stripped)
            elif self.multi is not None:
                value = [value]
            else:
                raise param_error(name, "Not a valid list.")
        if value is None:
            if required:
                raise missing(name)
            return None
        return check_list(name, value, min_len=min_len, max_len=max_len)

    def id_list(self, name: str, *, required: bool = False, max_len: int | None = None) -> list[str] | None:
        items = self.list_of(name, required=required, min_len=1 if required else 0, max_len=max_len)
        return None if items is None else [as_id(name, item) for item in items]

    def obj(self, name: str) -> Any:
        """A JSON object or array, given encoded (query) or inline (JSON body); None when absent."""
        value = self.values.get(name)
        if isinstance(value, str):
            return _decode_json(name, value) if value.strip() else None
        return value


def check_enum(name: str, value: Any, allowed: Iterable[str]) -> str:
    options = sorted(allowed)
    if not isinstance(value, str) or value not in options:
        raise param_error(name, f"Must be one of: {', '.join(options)}.")
    return value


def check_list(name: str, value: Any, *, min_len: int = 0, max_len: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise param_error(name, "Not a valid list.")
    if len(value) < min_len or (max_len is not None and len(value) > max_len):
        upper = max_len if max_len is not None else "unlimited"
        raise param_error(name, f"Length must be between {min_len} and {upper}.")
    return value


def as_id(name: str, value: Any) -> str:
    """An id as TikTok sends it: a numeric string (numbers are accepted and converted)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise param_error(name, "Not a valid id.")
    text = str(value).strip()
    if not text:
        raise param_error(name, "Not a valid id.")
    return text


def id_filter(filtering: Mapping[str, Any], name: str, *, max_len: int = 100) -> list[str] | None:
    """An id list inside ``filtering`` (1..max_len ids), or None when the key is absent."""
    if name not in filtering or filtering[name] is None:
        return None
    value = filtering[name]
    if isinstance(value, str):
        value = _decode_json(f"filtering.{name}", value) if value.startswith("[") else [value]
    items = check_list(f"filtering.{name}", value, min_len=1, max_len=max_len)
    return [as_id(f"filtering.{name}", item) for item in items]
