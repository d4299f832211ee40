"""Privacy (section 16): forget a person everywhere this service put them, and purge
personal data past the retention period.

A deletion request removes the person's hashed identifiers from every audience the service
feeds (``audience_feed``): a streaming DELETE, or a one-line customer file and a REMOVE; it
deletes their leads from the store; and it is audited by a keyed hash of the identifiers,
never the identifiers themselves.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from temporalio import activity

from activities.context import Dependencies
from activities.interfaces import PrivacyOperations
from audiences.identifiers import Invalid, digest, hashed, normalise
from connector import audiences as api
from models.audience_tables import AudienceFeedRow, AudienceProgressRow, PrivacyRequestRow
from models.errors import InvalidInput, InvalidRequest, NotFound, TokenDecryptError
from models.privacy import AudienceRemoval, ForgetRequest, Forgotten, Purged, RetentionPurgeInput
from models.recovery_tables import AlertRow, LeadRow, WebhookEventRow
from store import audiences as feeds


class PrivacyActivities(PrivacyOperations):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    @activity.defn
    async def forget_person(self, req: ForgetRequest) -> Forgotten:
        identity = json.dumps([sorted(req.email_sha256), sorted(req.phone_sha256)]).encode()
        result = Forgotten(subject_key=hmac.new(self.deps.change_log_key, identity, "sha256").hexdigest())
        hashes = {"EMAIL_SHA256": req.email_sha256, "PHONE_SHA256": req.phone_sha256}
        async with self.deps.store.session() as session:
            targets = await feeds.feeds(session, req.advertiser_id)
        for feed in targets:
            outcome = await self._remove(feed, hashes, result.subject_key)
            result.audiences.append(
                AudienceRemoval(
                    advertiser_id=feed.advertiser_id,
                    audience_id=feed.audience_id,
                    name=feed.name,
                    outcome=outcome,
                )
            )
        result.leads_deleted, result.leads_unreadable = await self._delete_leads(req)
        async with self.deps.store.session() as session:
            row = PrivacyRequestRow(
                subject_key=result.subject_key,
                kinds=[k for k, v in (("email", req.email_sha256), ("phone", req.phone_sha256)) if v],
                requested_by=req.requested_by,
                outcome=result.model_dump(mode="json", exclude={"subject_key", "request_id"}),
            )
            session.add(row)
            await session.flush()
            result.request_id = row.id
        return result

    async def _remove(self, feed: AudienceFeedRow, hashes: dict[str, list[str]], subject: str) -> str:
        types = [t for t in feed.id_types if hashes.get(t)]
        if not types:
            return "not applicable: the audience holds " + (", ".join(feed.id_types) or "no known type")
        try:  # an audience a use_sandbox job made lives in TikTok's sandbox
            client = self.deps.sandbox() if feed.use_sandbox else self.deps.tiktok
        except ValueError:
            return "not removed: the audience is in TikTok's sandbox, which this service has no URL for"
        key = f"forget/{subject[:16]}/{feed.audience_id}"
        try:
            if feed.mode == "STREAMING":
                rows = [
                    [value if t == kind else None for t in types] for kind in types for value in hashes[kind]
                ]
                await api.map_segment(
                    client, feed.advertiser_id, "delete", types, rows, [feed.audience_id], idempotency_key=key
                )
                return "removed"
            for kind in types:
                content = ("\n".join(hashes[kind]) + "\n").encode()
                path = await api.upload_file(
                    client,
                    feed.advertiser_id,
                    kind,
                    "forget.txt",
                    content,
                    idempotency_key=f"{key}/{kind}/file",
                )
                await api.update_audience(
                    client,
                    feed.advertiser_id,
                    feed.audience_id,
                    "REMOVE",
                    [path],
                    idempotency_key=f"{key}/{kind}",
                )
            return "removed"
        except NotFound:
            async with self.deps.store.session() as session:
                await feeds.drop_feed(session, feed.advertiser_id, feed.audience_id)
            return "audience no longer exists"
        except InvalidRequest as exc:
            return f"not removed: TikTok refused ({exc.tiktok_message[:200]}); delete or replace the audience"

    async def _delete_leads(self, req: ForgetRequest) -> tuple[int, int]:
        """Delete the leads whose e-mail or phone hashes to one of the request's digests; (deleted,
        unreadable): a lead written under another key cannot be checked and is reported."""
        deleted = unreadable = 0
        wanted = set(req.email_sha256) | set(req.phone_sha256)
        async with self.deps.store.session() as session:
            query = select(LeadRow)
            if req.advertiser_id:
                query = query.where(col(LeadRow.advertiser_id) == req.advertiser_id)
            for lead in (await session.execute(query)).scalars().all():
                try:
                    fields = json.loads(self.deps.cipher.decrypt(lead.fields_enc))  # the form's fields
                except TokenDecryptError:
                    unreadable += 1
                    continue
                if wanted & _lead_hashes(fields):
                    await session.delete(lead)
                    deleted += 1
        return deleted, unreadable

    @activity.defn
    async def purge_expired(self, inp: RetentionPurgeInput) -> Purged:
        cutoff = datetime.now(UTC) - timedelta(days=inp.retention_days)
        out = Purged()
        async with self.deps.store.session() as session:
            for table, column, name in (
                (LeadRow, LeadRow.received_at, "leads"),
                (WebhookEventRow, WebhookEventRow.received_at, "webhook_events"),
                (AlertRow, AlertRow.created_at, "alerts"),
                (AudienceProgressRow, AudienceProgressRow.acked_at, "progress"),
            ):
                result = await session.execute(delete(table).where(col(column) < cutoff))
                setattr(out, name, int(getattr(result, "rowcount", 0) or 0))
        return out


def forget_request(
    email: str | None, phone: str | None, *, advertiser_id: str | None = None, requested_by: str = ""
) -> ForgetRequest:
    """The request for a person given by plain e-mail and/or phone: their digests in every form
    this service hashed them (customer files drop ``+tag`` and dots; the Events API does not)."""
    emails: set[str] = set()
    phones: list[str] = []
    if email:
        plain = email.strip().lower()
        if "@" not in plain:
            raise InvalidInput("email: not a valid e-mail address")
        emails.add(digest(plain, "sha256"))
        customer_file = hashed(plain, "email", "sha256")
        if isinstance(customer_file, str):
            emails.add(customer_file)
    if phone:
        normal = normalise(phone, "phone")
        if isinstance(normal, Invalid):
            raise InvalidInput(f"phone: not a valid phone number ({normal.reason})")
        phones.append(digest(normal, "sha256"))
    if not (emails or phones):
        raise InvalidInput("give --email and/or --phone")
    return ForgetRequest(
        email_sha256=sorted(emails),
        phone_sha256=phones,
        advertiser_id=advertiser_id,
        requested_by=requested_by,
    )


def _lead_hashes(fields: dict[str, object]) -> set[str]:
    out: set[str] = set()
    email = str(fields.get("email") or "").strip().lower()
    if "@" in email:
        out.add(digest(email, "sha256"))
    phone = normalise(str(fields.get("phone") or ""), "phone")
    if isinstance(phone, str):
        out.add(digest(phone, "sha256"))
    return out
