"""The creative pool's lifecycle in the store: an ingest's item goes draft or validated, then
uploaded, as one row; a recovery's replacement puts an approved item in review, and the verdict
takes it back to approved or retires it; recovery only ever picks approved items."""

from __future__ import annotations

import uuid

from models.recovery_tables import PoolCreativeRow
from store import Store, pool


def _item(adv: str, **fields: object) -> PoolCreativeRow:
    return PoolCreativeRow.model_validate(
        {"advertiser_id": adv, "ad_text": "Spring is here", "added_by": "test", **fields}
    )


async def test_an_ingest_item_is_one_row_from_its_check_to_its_upload(store: Store) -> None:
    adv, key = f"9{uuid.uuid4().int % 10**12}", f"ingest-{uuid.uuid4().hex[:6]}/asset/0"
    async with store.session() as s:
        checked = await pool.add(s, _item(adv, state="validated", ingest_key=key))
        other = await pool.add(s, _item(adv, state="validated", ingest_key=key + "1"))  # same text
        uploaded = await pool.add(s, _item(adv, state="uploaded", ingest_key=key, creative_id="v-1"))
        variant = await pool.add(
            s, _item(adv, state="uploaded", ingest_key=key, creative_id="v-1", ad_text="Shop now")
        )
        rows = await pool.items(s, adv)
    assert uploaded.id == checked.id and other.id != checked.id and variant.id not in (checked.id, other.id)
    assert [(r.state, r.creative_id) for r in rows] == [
        ("uploaded", "v-1"), ("validated", None), ("uploaded", "v-1")]  # fmt: skip


async def test_a_replacement_puts_an_item_in_review_until_its_verdict(store: Store) -> None:
    adv = f"9{uuid.uuid4().int % 10**12}"
    async with store.session() as s:
        first = await pool.add(s, _item(adv, creative_id="v-1"))
        second = await pool.add(s, _item(adv, creative_id="v-2"))
        assert first.id is not None and second.id is not None
        await pool.mark_used(s, first.id, "ad-1", verdict="pending")
        assert (await pool.items(s, adv, state="in_review"))[0].id == first.id
        picked = await pool.pick(s, adv, "c", exclude=[])
        assert picked is not None and picked.pool_id == second.id  # an item in review is not picked
        await pool.mark_used(s, first.id, "ad-1", verdict="approved")
        await pool.mark_used(s, second.id, "ad-2", verdict="pending")
        await pool.mark_used(s, second.id, "ad-2", verdict="rejected")
        states = {r.id: (r.state, r.used_in) for r in await pool.items(s, adv)}
    assert states == {first.id: ("approved", ["ad-1"]), second.id: ("rejected", ["ad-2"])}
