"""Process configuration: one pydantic-settings class read from ``TTADS_*`` variables.

Every variable is documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.limits import RateLimits

if TYPE_CHECKING:
    from codec import EncryptionCodec
    from store.crypto import TokenCipher

TASK_QUEUE = "tiktok-ads"


class Settings(BaseSettings):
    """Everything a process of this service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="TTADS_", env_file=".env", extra="ignore")

    environment: Literal["dev", "test", "production"] = "dev"
    data_dir: Path = Path(".data")

    # Temporal
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = TASK_QUEUE
    temporal_ui_port: int = 8233
    # TLS to a self-hosted cluster or Temporal Cloud: mTLS with cert + key (and a CA for a
    # private one), or an API key (Temporal Cloud), which turns TLS on by itself.
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_api_key: SecretStr | None = None
    metrics_port: int = 9464
    metrics_host: str = "127.0.0.1"
    # On SIGTERM the worker stops polling and gives running activities this long to finish:
    # longer than the longest heartbeat timeout (2 min), shorter than the orchestrator's grace
    # period (deploy/k8s: 180 s), so an activity is either done or retried elsewhere, never lost.
    worker_graceful_shutdown_seconds: float = Field(default=150, ge=0)
    # Payload encryption (codec/): "kid=base64key[,kid=base64key...]", the first encrypts, all
    # decrypt (rotation); unset = payloads in the clear. `starter.py codec new-key KID` makes one.
    payload_encryption_keys: SecretStr | None = None
    # The codec server the Web UI decrypts through (python -m codec): bearer tokens it accepts
    # (comma-separated; required outside dev) and the UI origins its CORS allows.
    codec_server_host: str = "127.0.0.1"
    codec_server_port: int = 8081
    codec_server_tokens: SecretStr | None = None
    codec_cors_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:8233", "http://127.0.0.1:8233"]
    )

    # Application database. ``DATABASE_URL`` (as CI and most platforms set it) is accepted too.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TTADS_DATABASE_URL", "DATABASE_URL")
    )
    token_encryption_key: SecretStr | None = None
    # HMAC key of the change log's hash chain; keep it outside the database (dev: generated).
    change_log_key: SecretStr | None = None

    # TikTok Marketing API (the local simulator unless configured otherwise)
    tiktok_base_url: str = "http://127.0.0.1:9000"
    tiktok_api_version: str = "v1.3"
    tiktok_app_id: str = "demo-app"
    tiktok_app_secret: SecretStr = SecretStr("demo-secret")
    http_timeout_seconds: float = 30.0
    # Where TikTok's "now" comes from: unset = this machine's clock; the embedded stack and
    # tests point it at the simulator's /sim/clock so report windows follow simulated time.
    tiktok_clock_url: str | None = None
    # Per endpoint family (uploads and reports are slower than management calls).
    family_timeouts: dict[str, float] = Field(default_factory=lambda: {"file": 120.0, "report": 60.0})

    # Connector: proactive throttle, in-process retries, circuit breaker
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    rate_limit_processes: int = Field(default=1, ge=1)
    retry_max_inline_wait_seconds: float = 8.0
    retry_max_attempts: int = Field(default=5, ge=1)
    circuit_breaker_threshold: int = Field(default=5, ge=1)
    circuit_breaker_cooldown_seconds: float = 30.0

    # Embedded stack
    simulator_host: str = "127.0.0.1"
    simulator_port: int = 9000
    webhook_port: int = 8088

    # Webhook receiver: the secrets TikTok signs with (the app secret unless set; extra ones
    # are accepted too, for a rotation), the replay window, the largest body, leads' forward.
    webhook_host: str = "127.0.0.1"
    webhook_metrics_port: int = 9465  # the receiver's Prometheus metrics (webhook_deliveries)
    webhook_secret: SecretStr | None = None
    webhook_previous_secrets: list[SecretStr] = Field(default_factory=list)
    webhook_window_seconds: int = Field(default=300, ge=1)
    webhook_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    lead_webhook_url: str | None = None
    # RejectionRecovery runs the receiver and the reconciler start.
    recovery_max_attempts: int = Field(default=3, ge=1, le=10)
    recovery_review_timeout_minutes: float = Field(default=30, gt=0)
    recovery_poll_seconds: float = Field(default=60, ge=1, le=3600)

    # Alert channels (each optional; unset = not used), dedupe window and night mode (JST).
    alert_slack_webhook_url: str | None = None
    alert_teams_webhook_url: str | None = None
    alert_webhook_url: str | None = None
    alert_email_to: list[str] = Field(default_factory=list)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "tiktok-ads@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    jira_base_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_project: str = "ADS"
    alert_dedupe_minutes: float = Field(default=30, ge=0)
    alert_night_mode: bool = True

    # Verified approvals: None = on outside the dev environment (the demo keeps plain names).
    require_signed_approvals: bool | None = None
    # Slack buttons: the app's signing secret, and the private key (hex) the receiver signs
    # a verified button press with (its public key registered with `users key create --service slack`).
    slack_signing_secret: SecretStr | None = None
    slack_approval_key: SecretStr | None = None
    slack_approval_key_id: str | None = None

    # Audience export (AudienceSync): TikTok's limits, and where runs stage hashed rows.
    # The sandbox URL is where jobs with use_sandbox go (TikTok: https://sandbox-ads.tiktok.com).
    tiktok_sandbox_base_url: str | None = None
    audience_spool_dir: Path | None = None  # default: <data_dir>/audience-spool
    audience_max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    audience_max_files: int = Field(default=500, ge=1)
    audience_max_per_account: int = Field(default=400, ge=1)
    audience_stream_batch: int = Field(default=1000, ge=1, le=10000)
    audience_failures_before_pause: int = Field(default=3, ge=1)
    report_dir: Path | None = None  # DailyReport's Parquet files; default: <data_dir>/reports
    retention_days: int = Field(default=396, ge=30)  # 13 months (section 16): leads, events, alerts
    conversion_batch: int = Field(default=1000, ge=1, le=1000)  # Events API: up to 1,000 per request

    # The read-only dashboard (python -m dashboard; make demo starts it).
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8080
    dashboard_secret: SecretStr | None = None  # default: derived from the change log's key
    # Approvals made in the dashboard are signed with this service key (`users key create NAME
    # --service dashboard`), as Slack button presses are with the receiver's.
    dashboard_approval_key: SecretStr | None = None
    dashboard_approval_key_id: str | None = None

    log_level: str = "INFO"
    # "text" for a terminal, "json" (one object per line, masked) for a log pipeline.
    log_format: Literal["text", "json"] = "text"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str | None) -> str | None:
        """Accept plain ``postgresql://`` URLs and pick the async driver the store needs."""
        if url is None:
            return None
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        if url.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
        return url

    @property
    def spool_dir(self) -> Path:
        return self.audience_spool_dir or self.data_dir / "audience-spool"

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file under ``data_dir`` for a newcomer."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'app.db').as_posix()}"

    def token_cipher(self) -> TokenCipher:
        """The token cipher for this configuration (dev: a generated key under ``data_dir``)."""
        from store.crypto import TokenCipher

        key = self.token_encryption_key
        return TokenCipher.from_settings(
            key.get_secret_value() if key else None, self.environment, self.data_dir
        )

    def change_log_hmac_key(self) -> bytes:
        """The change log's chain key for this configuration (dev: generated under ``data_dir``)."""
        from store.crypto import change_log_key

        key = self.change_log_key
        return change_log_key(key.get_secret_value() if key else None, self.environment, self.data_dir)

    def payload_codec(self) -> EncryptionCodec | None:
        """The payload codec when encryption is configured (``payload_encryption_keys``)."""
        if self.payload_encryption_keys is None:
            return None
        from codec import EncryptionCodec, KeyRing

        return EncryptionCodec(KeyRing.parse(self.payload_encryption_keys.get_secret_value()))

    @property
    def signed_approvals(self) -> bool:
        """Whether approvals must be signed (``require_signed_approvals``, else outside dev)."""
        if self.require_signed_approvals is not None:
            return self.require_signed_approvals
        return self.environment != "dev"

    def webhook_secrets(self) -> list[str]:
        """Every secret a webhook signature may be made with: current first."""
        current = self.webhook_secret or self.tiktok_app_secret
        return [current.get_secret_value(), *(s.get_secret_value() for s in self.webhook_previous_secrets)]

    @property
    def temporal_ui_url(self) -> str:
        host = self.temporal_address.rsplit(":", 1)[0]
        return f"http://{host}:{self.temporal_ui_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
