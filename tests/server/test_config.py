"""Settings safety."""

from __future__ import annotations

import pytest

from server.config import ConfigError, Environment, Settings


def test_production_refuses_the_default_secret_key():
    settings = Settings(
        env=Environment.PRODUCTION,
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
        secret_key="k" * 40,
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
        secret_key="k" * 40,
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
