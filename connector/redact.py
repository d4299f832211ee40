"""Masking of secrets and personal data in log lines: tokens, e-mail addresses, phones."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# A phone: 8-15 digits (E.164 allows 15) with spaces, dots, dashes or brackets, standing
# alone: not touching letters, digits or dashes, so run ids (UUIDs), request ids and
# 19-digit advertiser ids are left as they are.
_PHONE = re.compile(r"(?<![\w-])(\+?\d)[\d\s().-]{6,}(\d{2})(?![\w-])")
_TOKEN = re.compile(
    r"(?i)((?:access[-_]?token|refresh[-_]?token|secret|authorization)[\"']?\s*[:=]\s*[\"']?)([^\s\"',}]+)"
)


def mask(text: str) -> str:
    """``jane@example.com`` -> ``j***@example.com``; phones keep first and last two digits;
    values after ``access_token=``/``secret:``-like keys become ``***``."""
    text = _TOKEN.sub(r"\1***", text)
    text = _EMAIL.sub(r"\1***@\2", text)
    return _PHONE.sub(_phone, text)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}(:\d{2}){0,2})?")


def _phone(match: re.Match[str]) -> str:
    if _DATE.fullmatch(match.group(0).strip()):  # 2024-01-31 (10:00) is a date, not a phone
        return match.group(0)
    digits = sum(c.isdigit() for c in match.group(0))
    return f"{match.group(1)}***{match.group(2)}" if 8 <= digits <= 15 else match.group(0)


class RedactingFilter(logging.Filter):
    """A logging filter that masks the rendered message of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            rendered = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask(rendered)
        if masked != rendered:
            record.msg, record.args = masked, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Mask every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
