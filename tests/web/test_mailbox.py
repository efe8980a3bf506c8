"""``/dev/mailbox`` shows what the local SMTP sink received, in development only."""

from __future__ import annotations

import secrets
from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest
from starlette.applications import Starlette

from relay.embedded import MailSink
from server.config import Settings
from web.mail import mailbox


def _app(tmp_path, env: str) -> Starlette:
    settings = Settings(env=env, var_dir=str(tmp_path))
    return Starlette(routes=mailbox.routes(settings))


@pytest.fixture
def sink(tmp_path):
    sink = MailSink(tmp_path / "mail")
    sink.start()
    yield sink
    sink.stop()


async def test_mailbox_lists_received_mail_with_clickable_links(tmp_path, sink):
    # given a mail received by the sink
    message = EmailMessage()
    message["From"] = "no-reply@relay.example.jp"
    message["To"] = "yamada@example.jp"
    message["Subject"] = "選考結果のご連絡 <株式会社テスト>"
    message.set_content("山田 様\n登録はこちら: http://127.0.0.1:8000/r/abc123\n<b>not bold</b>")
    await aiosmtplib.send(message, hostname="127.0.0.1", port=sink.port)

    # when a developer opens the mailbox
    transport = httpx.ASGITransport(app=_app(tmp_path, "development"))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/dev/mailbox")

    # then the mail is there, escaped, with its link clickable
    assert response.status_code == 200
    assert "選考結果のご連絡 &lt;株式会社テスト&gt;" in response.text
    assert "yamada@example.jp" in response.text
    assert '<a href="http://127.0.0.1:8000/r/abc123">' in response.text
    assert "&lt;b&gt;not bold&lt;/b&gt;" in response.text


async def test_mailbox_is_empty_before_any_mail(tmp_path):
    transport = httpx.ASGITransport(app=_app(tmp_path, "development"))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/dev/mailbox")

    assert response.status_code == 200
    assert "まだメールはありません" in response.text


@pytest.mark.parametrize("env", ["test", "production"])
def test_mailbox_exists_only_in_development(tmp_path, env):
    settings = Settings(env=env, var_dir=str(tmp_path), secret_key="x" * 40)

    assert mailbox.routes(settings) == []


async def test_with_the_environment_unset_there_is_no_mailbox_and_no_graphiql(
    monkeypatch, settings
):
    from relay.app import create_app

    monkeypatch.delenv("RELAY_ENV", raising=False)
    platform = create_app(
        Settings(
            database_url=settings.database_url,
            redis_url=settings.redis_url,
            smtp_url="smtp://127.0.0.1:25",
            secret_key=secrets.token_urlsafe(48),
            operator_name="株式会社キャリアリレー",
            operator_address="東京都千代田区丸の内1-1-1",
            operator_contact="privacy@relay.example.jp",
        )
    )
    transport = httpx.ASGITransport(app=platform)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        mailbox_page = await client.get("/dev/mailbox")
        ide = await client.get("/graphql", headers={"accept": "text/html"})

    assert mailbox_page.status_code == 404
    assert ide.status_code == 401 and "graphiql" not in ide.text.lower()
