"""``CreativeIngest``: assets checked against TikTok's specs, uploaded once, kept in the pool."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.launch import Uploaded
from models.workflows import AdvertiserId, WorkflowInput


class AssetInput(BaseModel):
    """One file on the worker (``path``) or on the web (``url``), with the text to run it with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = None
    url: str | None = None
    name: str | None = Field(default=None, max_length=100, description="default: the file's name")
    ad_text: str = Field(default="", max_length=100)
    call_to_action: str = Field(default="LEARN_MORE", max_length=32)
    landing_page_url: str | None = None
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> AssetInput:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of path or url")
        return self

    @property
    def display_name(self) -> str:
        source = self.path or self.url or "asset"
        return self.name or source.rstrip("/").rsplit("/", 1)[-1][:100]


class CreativeIngestInput(WorkflowInput):
    advertiser_id: AdvertiserId
    assets: list[AssetInput] = Field(min_length=1, max_length=50)
    campaign_id: str = Field(default="", description="the campaign the pool items are for; empty: any")
    tags: list[str] = Field(default_factory=list, description="added to every asset's tags")
    actor: str = Field(default="CreativeIngest", max_length=128)
    variations: list[Literal["9:16", "1:1", "16:9"]] = Field(
        default_factory=list, description="aspect-ratio versions to derive (each checked and uploaded too)"
    )
    variation_mode: Literal["pad", "crop"] = "pad"
    thumbnails: bool = Field(default=False, description="derive a thumbnail image of each video")
    captions: str | None = Field(default=None, description="a subtitle file (.srt) to burn into each video")
    cta_templates: list[str] = Field(
        default_factory=list,
        description='text variants ("{text} - Shop now"); each passes the NG-word filter',
    )

    def summary(self) -> str:
        return f"Ingest {len(self.assets)} creative(s) for advertiser {self.advertiser_id}"


class InspectAssetInput(BaseModel):
    advertiser_id: str
    asset: AssetInput
    key: str = Field(description="where a downloaded asset is kept: the workflow's key for it")


class DeriveInput(BaseModel):
    asset: AssetInput
    check: AssetCheck
    key: str
    variations: list[str]
    mode: str
    thumbnail: bool
    captions: str | None


class TextsInput(BaseModel):
    ad_text: str
    templates: list[str]


class TextChoice(BaseModel):
    text: str
    refused: str | None = None


class RuleFailure(BaseModel):
    rule: str
    detail: str


class AssetCheck(BaseModel):
    """An asset as probed: where it is on the worker, its facts, the rules it breaks, its score."""

    name: str
    kind: Literal["video", "image", "unknown"]
    local_path: str
    facts: dict[str, Any] = Field(default_factory=dict)
    failures: list[RuleFailure] = Field(default_factory=list)
    score: int = 0
    reasons: list[str] = Field(default_factory=list)


class RegisterInput(BaseModel):
    """An asset for the pool: ``draft`` when it broke a rule, ``validated`` when it passed,
    ``uploaded`` once ``uploaded`` is given (the same item, found by ``key`` and text)."""

    advertiser_id: str
    campaign_id: str
    asset: AssetInput
    check: AssetCheck
    uploaded: Uploaded | None = None
    tags: list[str]
    actor: str
    key: str | None = Field(default=None, description="the workflow's key for the asset")

    @property
    def state(self) -> str:
        return "uploaded" if self.uploaded else "draft" if self.check.failures else "validated"


class CoverInput(BaseModel):
    """A video's pool items (by the ingest's key for it) get ``image_id`` as their cover."""

    key: str
    image_id: str


class IngestedAsset(BaseModel):
    name: str
    derived_from: str | None = None
    texts: list[TextChoice] = Field(default_factory=list, description="text variants and why any was refused")
    state: Literal["uploaded", "refused"]
    kind: str
    score: int
    reasons: list[str] = Field(default_factory=list)
    failures: list[RuleFailure] = Field(default_factory=list)
    creative_id: str | None = None
    pool_id: int | None = None


class CreativeIngestResult(BaseModel):
    advertiser_id: str
    assets: list[IngestedAsset] = Field(default_factory=list)


DeriveInput.model_rebuild()
