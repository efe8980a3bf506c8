"""Settings read from ``RELAY_*`` environment variables."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ConfigError(Exception):
    """A setting makes the platform unsafe or unable to start."""


class Settings(BaseSettings):
    """Every knob of the platform; see the settings table in README.md."""

    model_config = SettingsConfigDict(env_prefix="RELAY_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
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
    # openings that allow remote work (server/matching.py).
    match_required_categories: list[str] = ["LOCATION"]
    # Tags read for display are kept at most this long in each server process, each row
    # between half and all of it (0: always read);
    # an operator's edit shows everywhere within it (server/tags.py).
    tag_cache_seconds: float = 10.0

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def is_development(self) -> bool:
        return self.env == Environment.DEVELOPMENT

    def check(self) -> None:
        """Refuses settings that must never reach production.

        Raises:
            ConfigError: with a one-line reason.
        """
        if self.env != Environment.PRODUCTION:
            return
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError(
                "RELAY_SECRET_KEY must be set to a random value of 32+ characters in production"
            )
        for name in ("database_url", "redis_url", "smtp_url"):
            if not getattr(self, name):
                raise ConfigError(f"RELAY_{name.upper()} must be set in production")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
