"""Treasure Data's parameters as AudienceSync's input: both spellings, and refusals that name the field."""

from __future__ import annotations

import pytest

from models.audiences import AudienceSyncInput
from models.errors import InvalidInput
from models.workflows import validated_input

SOURCE = {"path": "segment.csv"}
NAMED = {"audience_name": "a", "encryption_type": "EMAIL_SHA256"}


def test_a_td_cli_job_moves_over_as_it_is() -> None:
    """The JSON of Treasure Data's ``td query -r`` example, with the token saved beforehand."""
    job = {
        "authMethod": "access_token",
        "accessToken": "__SAVED__",
        "useSandbox": True,
        "advertiserId": "12345678901234567890",
        "apiVersion": "v1.2",
        "audienceAction": "REPLACE",
        "audienceName": "test",
        "encryptionType": "FIRST_NORMAL",
        "source": SOURCE,
    }
    inp = AudienceSyncInput.model_validate(job)
    assert inp.advertiser_id == "12345678901234567890"
    assert inp.use_sandbox and inp.audience_action == "REPLACE" and inp.api_mode == "CUSTOMER_FILE"
    assert inp.encryption_type == "FIRST_SHA256"


def test_streaming_parameters_in_snake_case() -> None:
    inp = AudienceSyncInput.model_validate(
        {
            "advertiser_id": "7000000000000000001",
            "api_mode": "STREAMING",
            "streaming_action": "DELETE",
            "audience_names": "vip, churned ,",
            "audience_ids": "1,2",
            "thread_count": 8,
            "skip_invalid_record": True,
            "source": {"query": "SELECT email FROM crm"},
        }
    )
    assert inp.audience_names == ["vip", "churned"] and inp.audience_ids == ["1", "2"]
    assert inp.thread_count == 8 and inp.skip_invalid_record


@pytest.mark.parametrize(
    ("job", "field"),
    [
        ({"audience_name": "a", "encryption_type": "EMAIL_SHA256", "thread_count": 3}, "thread_count"),
        ({"api_mode": "STREAMING", "audience_names": "a", "audience_name": "b"}, "audience_name"),
        ({"api_mode": "STREAMING"}, "audience_names"),
        ({"audience_name": "a"}, "encryption_type"),
        ({"audience_name": "a", "encryption_type": "EMAIL_SHA1"}, "encryption_type"),
        ({"audience_name": "a", "encryption_type": "EMAIL_SHA256", "access_token": "x"}, "access_token"),
        ({**NAMED, "auth_method": "access_token", "access_token": "real-token"}, "access_token"),
        ({**NAMED, "audienceNmae": "typo"}, "audienceNmae"),
        ({**NAMED, "thread_count": 5, "source": None}, "source"),
    ],
)
def test_unknown_or_contradictory_parameters_are_refused_by_name(job: dict[str, object], field: str) -> None:
    body: dict[str, object] = {"advertiser_id": "7000000000000000001", "source": SOURCE, **job}
    with pytest.raises(InvalidInput) as caught:
        validated_input(AudienceSyncInput, body)
    assert field in str(caught.value)


def test_delete_audience_reads_no_rows() -> None:
    base = {"advertiser_id": "7000000000000000001", "api_mode": "STREAMING", "audience_ids": "1"}
    AudienceSyncInput.model_validate({**base, "streaming_action": "DELETE_AUDIENCE"})
    with pytest.raises(ValueError, match="source"):
        AudienceSyncInput.model_validate({**base, "streaming_action": "DELETE_AUDIENCE", "source": SOURCE})
