"""Read a conversion source once into the spool: consent checked, events built and hashed.

One JSON line per event (row number and event) in ``events.jsonl``; ``staged.json`` marks
a finished stage so that a retry reads nothing again. Rows without consent are counted
(``no_consent``) and never written.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import IO

from audiences.identifiers import Invalid
from audiences.source import RowSource, SourceError
from audiences.staging import empty_folder
from conversions.events import consented, to_event
from models.conversions import COLUMNS, ConversionsStaged, ConversionUploadInput, EventError

EVENTS_FILE = "events.jsonl"
MARKER = "staged.json"


class ConversionsRefused(Exception):
    """The source does not fit (no consent column, unknown columns): names what and why."""


def load_staged(folder: Path) -> ConversionsStaged | None:
    marker = folder / MARKER
    return ConversionsStaged.model_validate_json(marker.read_text()) if marker.is_file() else None


def _check_columns(upload: ConversionUploadInput, columns: list[str]) -> None:
    consent = upload.consent_column.lower()
    if consent not in columns:
        raise ConversionsRefused(
            f"source: no {consent!r} column; events are sent only for rows with recorded consent "
            f"(set consent_column to the column that records it)"
        )
    unknown = [c for c in columns if c not in COLUMNS and c != consent]
    if unknown:
        raise ConversionsRefused(f"source: unknown columns {unknown}; known: {', '.join(COLUMNS)}")
    if "event" not in columns and not upload.event:
        raise ConversionsRefused("source: no event column; add one or give the event name in the input")


async def stage(
    upload: ConversionUploadInput, source: RowSource, folder: Path, run_key: str, *, now: int, batch_size: int
) -> ConversionsStaged:
    done = load_staged(folder)
    if done is not None:
        return done
    await empty_folder(folder)
    staged = ConversionsStaged(run_key=run_key, batch_size=batch_size, now=now)
    invalid: Counter[str] = Counter()
    consent_column = upload.consent_column.lower()
    out: IO[str] | None = None
    try:
        async for number, row in source.rows():
            if out is None:
                _check_columns(upload, source.columns)
                out = (folder / EVENTS_FILE).open("w", encoding="utf-8")
            staged.rows = number
            consent = consented(row.get(consent_column))
            if consent is False:
                staged.no_consent += 1
                continue
            event = (
                Invalid("consent_unreadable")
                if consent is None
                else to_event(row, upload.event, now, upload.max_age_days)
            )
            if isinstance(event, Invalid):
                invalid[event.reason] += 1
                staged.first_invalid = staged.first_invalid or EventError(row=number, reason=event.reason)
                if not upload.skip_invalid_record:
                    break
                continue
            staged.ready += 1
            out.write(json.dumps({"row": number, "event": event}, separators=(",", ":")) + "\n")
    except SourceError as exc:
        raise ConversionsRefused(str(exc)) from exc
    finally:
        if out is not None:
            out.close()
    staged.invalid = dict(invalid)
    staged.batches = -(-staged.ready // batch_size)
    if upload.skip_invalid_record or not invalid:
        (folder / MARKER).write_text(staged.model_dump_json())
    return staged
