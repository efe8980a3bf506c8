"""Settings safety."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from server.config import DEFAULT_SECRET_KEY, ConfigError, Environment, Settings


def test_production_refuses_the_default_secret_key():
    settings = Settings(
        env=Environment.PRODUCTION,
        secret_key=DEFAULT_SECRET_KEY,
        database_url="postgres://x/y",
        redis_url="redis://x",
        smtp_url="smtp://x",
    )

    with pytest.raises(ConfigError, match="RELAY_SECRET_KEY"):
        settings.check()


OPERATOR = {
    "operator_name": "株式会社キャリアリレー",
    "operator_address": "東京都千代田区丸の内1-1-1",
    "operator_contact": "privacy@relay.example.jp",
}


def test_production_accepts_a_real_secret():
    settings = Settings(
        env=Environment.PRODUCTION,
        secret_key=secrets.token_urlsafe(48),
        database_url="postgres://x/y",
        redis_url="redis://x",
        smtp_url="smtp://x",
        **OPERATOR,
    )

    settings.check()


@pytest.mark.parametrize("missing", sorted(OPERATOR))
def test_production_requires_the_operator_named_on_the_privacy_page(missing):
    settings = Settings(
        env=Environment.PRODUCTION,
        secret_key=secrets.token_urlsafe(48),
        database_url="postgres://x/y",
        redis_url="redis://x",
        smtp_url="smtp://x",
        **{**OPERATOR, missing: ""},
    )

    with pytest.raises(ConfigError, match=f"RELAY_{missing.upper()}"):
        settings.check()


def test_settings_come_from_relay_environment_variables(monkeypatch):
    monkeypatch.setenv("RELAY_PUBLIC_URL", "https://relay.example.jp/")
    monkeypatch.setenv("RELAY_ENV", "production")

    settings = Settings()

    assert settings.public_url == "https://relay.example.jp"
    assert settings.env is Environment.PRODUCTION


# --- the secure default (issue 11, item 1) ---------------------------------------------------

_SERVICES = {"database_url": "postgres://x/y", "redis_url": "redis://x", "smtp_url": "smtp://x"}


def test_unset_environment_means_production(monkeypatch):
    monkeypatch.delenv("RELAY_ENV", raising=False)

    assert Settings().env is Environment.PRODUCTION


def test_unset_environment_refuses_the_published_default_secret(monkeypatch):
    monkeypatch.delenv("RELAY_ENV", raising=False)
    monkeypatch.delenv("RELAY_SECRET_KEY", raising=False)

    with pytest.raises(ConfigError, match="RELAY_SECRET_KEY"):
        Settings(**_SERVICES).check()


@pytest.mark.parametrize(
    "secret",
    [DEFAULT_SECRET_KEY, "short-but-random-9f8e7d", "a" * 64, "0123" * 16],
)
@pytest.mark.parametrize("env", [Environment.PRODUCTION, Environment.TEST])
def test_a_weak_secret_is_refused_outside_development(env, secret):
    with pytest.raises(ConfigError, match="RELAY_SECRET_KEY") as refused:
        Settings(env=env, secret_key=secret, **_SERVICES).check()

    assert "\n" not in str(refused.value), "one line"


def test_development_is_the_one_place_the_default_secret_runs():
    Settings(env=Environment.DEVELOPMENT).check()


def test_production_over_http_is_warned_about_loudly():
    plain = Settings(env=Environment.PRODUCTION, public_url="http://relay.example.jp")
    tls = Settings(env=Environment.PRODUCTION, public_url="https://relay.example.jp")

    assert any("https" in w and "RELAY_PUBLIC_URL" in w for w in plain.warnings())
    assert tls.warnings() == []
    assert Settings(env=Environment.DEVELOPMENT, public_url="http://x").warnings() == []


def _relay(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RELAY_")}
    return subprocess.run(
        [sys.executable, "-m", "relay.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_refuses_to_serve_with_the_default_secret_and_says_why_in_one_line():
    done = _relay("serve", RELAY_DATABASE_URL="postgres://x/y", RELAY_REDIS_URL="redis://x")

    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "RELAY_SECRET_KEY" in lines[0], done.stderr


def test_the_cli_warns_about_production_over_http():
    done = _relay(
        "migrate",
        RELAY_SECRET_KEY=secrets.token_urlsafe(48),
        RELAY_PUBLIC_URL="http://relay.example.jp",
        RELAY_SMTP_URL="smtp://x",
        RELAY_REDIS_URL="redis://x",
        RELAY_DATABASE_URL="postgres://127.0.0.1:1/none",
        **{f"RELAY_{k.upper()}": v for k, v in OPERATOR.items()},
    )

    assert "WARNING" in done.stderr and "https" in done.stderr, done.stderr


def test_the_app_refuses_the_default_secret_when_the_environment_is_unset(monkeypatch):
    from relay.app import create_app

    monkeypatch.delenv("RELAY_ENV", raising=False)
    monkeypatch.delenv("RELAY_SECRET_KEY", raising=False)

    with pytest.raises(ConfigError):
        create_app(Settings(**_SERVICES))


def test_the_image_runs_production():
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()

    assert "RELAY_ENV=production" in dockerfile
    assert "COPY relay ./relay" in dockerfile, "the image holds the relay command's package"
