"""Settings read from ``RELAY_*`` environment variables."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10  # "aaaa…" or "0123012301…" is no secret


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigError(Exception):
    """A setting makes the platform unsafe or unable to start."""


class Settings(BaseSettings):
    """Every knob of the platform; see the settings table in README.md."""

    model_config = SettingsConfigDict(env_prefix="RELAY_", extra="ignore")

    # Unset means production: only `relay up` and the tests turn development on explicitly.
    env: Environment = Environment.PRODUCTION
    database_url: str | None = None
    redis_url: str | None = None
    smtp_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEFAULT_SECRET_KEY
    queue_name: str = "relay:queue"
    mail_from: str = "Career Relay <no-reply@relay.example.jp>"
    var_dir: str = "var"
    max_query_depth: int = 10
    max_aliases: int = 20
    max_tokens: int = 3000
    # Request bodies over this many bytes are refused with 413 before anything parses them.
    max_body_bytes: int = 8_000_000
    # Any list in a GraphQL request's variables holds at most this many items;
    # checked before the input is coerced (TOO_MANY_ITEMS).
    max_list_items: int = 10_000
    # Per-key query-cost bucket (points): a full bucket, refilled at so many points a second.
    cost_bucket_size: int = 2000
    cost_refill_per_second: int = 100
    # Active (unrevoked) API keys one company may hold; the bucket is per company anyway.
    max_api_keys_per_company: int = 10
    # How long each server process may reuse an API key's lookup (0: every request reads it);
    # a revoked key or a suspended company's key is refused everywhere within it.
    api_key_cache_seconds: float = Field(default=1.0, ge=0, le=1)
    # uvicorn's access log under `relay serve` (one line per request; see bench/README.md).
    access_log: bool = True
    # Follow-up and new-opening alert mails one person may get from all companies together
    # in any 30 days (over it a mail waits; see server/mail_budget.py).
    followup_mail_cap: int = 2
    # Tag categories an opening's matches must share when it has tags of them (a JSON list,
    # e.g. ["LOCATION", "JOB_TYPE"]); LOCATION is waived for remote-accepting candidates of
    # openings that allow remote work (server/network/scoring.py).
    match_required_categories: list[str] = ["LOCATION"]
    # Tags read for display are kept at most this long in each server process, each row
    # between half and all of it (0: always read);
    # an operator's edit shows everywhere within it (server/tags.py).
    tag_cache_seconds: float = 10.0
    # Outgoing webhooks (server/webhooks/): private, loopback and link-local receivers are
    # refused in production; None means "allowed unless RELAY_ENV is production".
    webhook_allow_private: bool | None = None
    webhook_timeout_seconds: float = 10.0
    # A delivery is retried with backoff for so many hours after its event, then FAILED.
    webhook_retry_hours: float = 72.0
    # An endpoint whose deliveries failed so many times in a row is disabled.
    webhook_disable_after: int = 50
    # Rejection mails a company may queue in any 24 hours (server/sending_guards.py): a
    # company younger than new_company_days gets the first, older ones the second; the
    # operator raises a company's own quota.
    mail_quota_new_company: int = 50
    mail_quota_default: int = 500
    new_company_days: int = 30
    # Referral fraud (server/referral_fraud.py): a qualified referral settles only this long
    # after qualifying; so many registrations of one company from one network within the
    # minutes are a burst; a registration this soon after its mail is suspect.
    referral_hold_hours: int = 72
    referral_burst_size: int = 5
    referral_burst_minutes: int = 60
    referral_fast_seconds: int = 60
    # Who runs the network, as the privacy page names it (APPI); required in production.
    operator_name: str = ""
    operator_address: str = ""
    operator_contact: str = ""

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def webhooks_may_reach_private(self) -> bool:
        if self.webhook_allow_private is not None:
            return self.webhook_allow_private
        return self.env != Environment.PRODUCTION

    @property
    def is_development(self) -> bool:
        return self.env == Environment.DEVELOPMENT

    @property
    def is_https(self) -> bool:
        return self.public_url.startswith("https://")

    def check(self) -> None:
        """Refuses settings that must never run outside development.

        Raises:
            ConfigError: with a one-line reason.
        """
        if self.is_development:
            return
        if weak_secret(self.secret_key):
            raise ConfigError(
                f"RELAY_SECRET_KEY must be a random value of {MIN_SECRET_LENGTH}+ characters "
                f"outside development (RELAY_ENV={self.env})"
            )
        if self.env != Environment.PRODUCTION:
            return
        for name in (
            "database_url",
            "redis_url",
            "smtp_url",
            "operator_name",
            "operator_address",
            "operator_contact",
        ):
            if not getattr(self, name):
                raise ConfigError(f"RELAY_{name.upper()} must be set in production")

    def warnings(self) -> list[str]:
        """Settings that run but expose people: said loudly at every start."""
        if self.env == Environment.PRODUCTION and not self.is_https:
            return [
                f"RELAY_PUBLIC_URL is {self.public_url} in production: personal links, session "
                "and CSRF cookies travel unencrypted; use an https:// URL"
            ]
        return []


def weak_secret(secret: str) -> bool:
    """The published default, a short key, or one with too few distinct characters."""
    return (
        secret == DEFAULT_SECRET_KEY
        or len(secret) < MIN_SECRET_LENGTH
        or len(set(secret)) < MIN_SECRET_DISTINCT
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
