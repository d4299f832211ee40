"""Staging: sources read as streams, files split at the byte limit, invalid rows both ways."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from audiences.source import RowSource
from audiences.staging import ROWS_FILE, StageRefused, load_staged, part_name, stage
from models.audiences import AudienceSource, AudienceSyncInput

ADV = "7000000000000000001"


def file_job(path: Path, **extra: object) -> AudienceSyncInput:
    return AudienceSyncInput.model_validate(
        {"advertiser_id": ADV, "audience_name": "a", "encryption_type": "EMAIL_SHA256",
         "source": {"path": str(path)}, **extra}
    )  # fmt: skip


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def run(job: AudienceSyncInput, folder: Path, **limits: int) -> object:
    assert job.source is not None
    settings = {"max_file_bytes": 50 * 1024 * 1024, "max_files": 500, "batch_size": 1000, **limits}
    return await stage(job, RowSource(job.source), folder, "run-1", **settings)


async def test_customer_file_splits_at_the_byte_limit(tmp_path: Path) -> None:
    emails = [f"user{i}@example.com" for i in range(100)]
    job = file_job(write_csv(tmp_path / "in.csv", "id", emails))
    staged = await run(job, tmp_path / "spool", max_file_bytes=650)  # ten 65-byte lines per file
    assert staged.valid == 100 and staged.part_bytes == [650] * 10  # type: ignore[attr-defined]
    lines = []
    for index in range(10):
        content = (tmp_path / "spool" / part_name(index)).read_text()
        assert len(content.encode()) <= 650
        lines += content.split()
    assert lines == [sha(e) for e in emails]
    assert load_staged(tmp_path / "spool") == staged  # a retry reads nothing again


async def test_more_files_than_an_audience_takes_is_refused(tmp_path: Path) -> None:
    job = file_job(write_csv(tmp_path / "in.csv", "id", [f"u{i}@example.com" for i in range(40)]))
    with pytest.raises(StageRefused, match="more than 3 files"):
        await run(job, tmp_path / "spool", max_file_bytes=650, max_files=3)


async def test_invalid_rows_stop_the_job_or_are_counted(tmp_path: Path) -> None:
    rows = ["a@example.com", "nope", "b@example.com", "", "c@example.com", "also nope"]
    path = write_csv(tmp_path / "in.csv", "id", rows)
    stopped = await run(file_job(path), tmp_path / "one")
    assert stopped.stopped and stopped.first_invalid.row == 2  # type: ignore[attr-defined]
    assert stopped.first_invalid.reason == "email_format"  # type: ignore[attr-defined]
    assert load_staged(tmp_path / "one") is None  # a stopped stage is not reused
    skipped = await run(file_job(path, skip_invalid_record=True), tmp_path / "two")
    assert (skipped.valid, skipped.invalid) == (3, {"email_format": 2, "empty": 1})  # type: ignore[attr-defined]


async def test_customer_file_takes_exactly_one_id_column(tmp_path: Path) -> None:
    job = file_job(write_csv(tmp_path / "in.csv", "id,email", ["1,a@example.com"]))
    with pytest.raises(StageRefused, match="exactly one column named id"):
        await run(job, tmp_path / "spool")


async def test_streaming_rows_line_up_with_the_id_schema(tmp_path: Path) -> None:
    device = "6D92078A-8246-4BA4-AE5B-76104861E7DC"
    rows = ["a@example.com,,", ",+819012345678,", f"b@example.com,,{device}", ",,"]
    path = write_csv(tmp_path / "in.csv", "email,phone,aaid", rows)
    job = AudienceSyncInput.model_validate(
        {"advertiser_id": ADV, "api_mode": "STREAMING", "audience_names": "vip", "skip_invalid_record": True,
         "source": {"path": str(path)}}
    )  # fmt: skip
    staged = await run(job, tmp_path / "spool", batch_size=2)
    assert staged.id_schema == ["EMAIL_SHA256", "PHONE_SHA256", "AAID_SHA256"]  # type: ignore[attr-defined]
    assert (staged.valid, staged.chunks, staged.invalid) == (3, 2, {"no_identifier": 1})  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in (tmp_path / "spool" / ROWS_FILE).read_text().splitlines()]
    assert lines[0] == [sha("a@example.com"), None, None]
    assert lines[1] == [None, sha("+819012345678"), None]
    assert lines[2][2] == sha("6d92078a-8246-4ba4-ae5b-76104861e7dc")


async def test_streaming_refuses_columns_it_does_not_know(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "email,name", ["a@example.com,A"])
    job = AudienceSyncInput.model_validate(
        {
            "advertiser_id": ADV,
            "api_mode": "STREAMING",
            "audience_names": "vip",
            "source": {"path": f"{path}"},
        }
    )
    with pytest.raises(StageRefused, match="unknown: \\['name'\\]"):
        await run(job, tmp_path / "spool")


async def test_parquet_and_query_sources_stream_the_same_rows(tmp_path: Path) -> None:
    emails = [f"p{i}@example.com" for i in range(25)]
    pq.write_table(pa.table({"id": emails}), tmp_path / "in.parquet", row_group_size=10)
    parquet = RowSource(AudienceSource(path=str(tmp_path / "in.parquet")))
    assert [row["id"] async for _, row in parquet.rows()] == emails
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE crm (mail TEXT)")
        await conn.exec_driver_sql("INSERT INTO crm VALUES " + ",".join(f"('{e}')" for e in emails))
    query = RowSource(AudienceSource(query="SELECT mail AS id FROM crm ORDER BY rowid"), engine)
    assert [row["id"] async for _, row in query.rows()] == emails
    assert query.columns == ["id"]
    await engine.dispose()


@pytest.mark.parametrize(
    ("encryption_type", "value", "expected"),
    [
        ("EMAIL_SHA256", " A.B+x@Example.com", hashlib.sha256(b"ab@example.com").hexdigest()),
        ("PHONE_SHA256", "+81 90 1234 5678", hashlib.sha256(b"+819012345678").hexdigest()),
        ("IDFA_SHA256", "6D92078A-8246-4BA4-AE5B-76104861E7DC",
         hashlib.sha256(b"6d92078a-8246-4ba4-ae5b-76104861e7dc").hexdigest()),
        ("IDFA_MD5", "6D92078A-8246-4BA4-AE5B-76104861E7DC",
         hashlib.md5(b"6d92078a-8246-4ba4-ae5b-76104861e7dc").hexdigest()),
        ("GAID_SHA256", "38400000-8cf0-11bd-b23e-10b96e40000d",
         hashlib.sha256(b"38400000-8cf0-11bd-b23e-10b96e40000d").hexdigest()),
        ("GAID_MD5", "38400000-8cf0-11bd-b23e-10b96e40000d",
         hashlib.md5(b"38400000-8cf0-11bd-b23e-10b96e40000d").hexdigest()),
        ("FIRST_SHA256", "Member-42", hashlib.sha256(b"member-42").hexdigest()),
        ("FIRST_MD5", "Member-42", hashlib.md5(b"member-42").hexdigest()),
        ("FIRST_NORMAL", "Member-42", hashlib.sha256(b"member-42").hexdigest()),
    ],
)  # fmt: skip
async def test_every_encryption_type(tmp_path: Path, encryption_type: str, value: str, expected: str) -> None:
    path = write_csv(tmp_path / "in.csv", "id", [value])
    staged = await run(file_job(path, encryption_type=encryption_type), tmp_path / "spool")
    assert staged.valid == 1  # type: ignore[attr-defined]
    assert (tmp_path / "spool" / part_name(0)).read_text().split() == [expected]
