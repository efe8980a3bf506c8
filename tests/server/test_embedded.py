"""The embedded development services, started for real."""

import asyncio
import base64
import smtplib
import time
from email.message import EmailMessage
from urllib.parse import urlsplit

import asyncpg
import pytest
import redis

from relay.embedded import EmbeddedPostgres, EmbeddedRedis, MailSink, free_port
from server.mail.dev_mailbox import read_mailbox


async def _fetchval(url: str, sql: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def test_free_port_is_bindable():
    port = free_port()
    assert 1024 <= port <= 65535


def test_postgres_starts_and_keeps_data_across_runs(tmp_path):
    data_dir = tmp_path / "postgres"
    pg = EmbeddedPostgres(data_dir)
    try:
        url = pg.start()
        assert url.startswith("postgres://") and url.endswith("/relay")
        assert urlsplit(url).hostname == "127.0.0.1"
        assert asyncio.run(_fetchval(url, "SELECT 1")) == 1
        assert asyncio.run(_fetchval(url, "SELECT current_database()")) == "relay"
        asyncio.run(
            _execute(url, "CREATE TABLE kept (note text)", "INSERT INTO kept VALUES ('履歴書')")
        )
    finally:
        pg.stop()
    pg.stop()  # idempotent
    with pytest.raises(OSError):
        asyncio.run(_fetchval(url, "SELECT 1"))

    again = EmbeddedPostgres(data_dir)
    try:
        assert again.start() == url  # same port, read back from data_dir
        assert asyncio.run(_fetchval(url, "SELECT note FROM kept")) == "履歴書"
    finally:
        again.stop()


def test_redis_listens_on_tcp(tmp_path):
    service = EmbeddedRedis(tmp_path / "redis")
    url = service.start()
    try:
        assert url.startswith("redis://127.0.0.1:") and url.endswith("/0")
        client = redis.Redis.from_url(url)
        assert client.ping() is True
        client.set("greeting", "こんにちは")
        assert client.get("greeting").decode() == "こんにちは"
        client.close()
    finally:
        service.stop()
    service.stop()  # idempotent
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()


def test_mail_sink_stores_japanese_mail(tmp_path):
    mail_dir = tmp_path / "mail"
    assert read_mailbox(mail_dir) == []
    sink = MailSink(mail_dir)
    url = sink.start()
    try:
        parts = urlsplit(url)
        assert parts.scheme == "smtp" and parts.hostname == "127.0.0.1"

        first = EmailMessage()
        first["From"] = "採用担当 <hr@example.jp>"
        first["To"] = "山田 花子 <hanako@example.jp>"
        first["Subject"] = "面接のご案内"
        first.set_content("山田様\n\n面接の日程をご連絡します。\n")
        # An ISO-2022-JP mail, as older Japanese mailers still send them.
        second = (
            "From: sender@example.jp\r\n"
            "To: taro@example.jp\r\n"
            "Subject: =?ISO-2022-JP?B?"
            + base64.b64encode("ご紹介のお礼".encode("iso-2022-jp")).decode("ascii")
            + "?=\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
        ).encode("ascii") + "ありがとうございました。\r\n".encode("iso-2022-jp")

        with smtplib.SMTP(parts.hostname, parts.port, timeout=10) as smtp:
            smtp.send_message(first)
            time.sleep(0.01)  # distinct timestamps in the file names
            smtp.sendmail("sender@example.jp", ["taro@example.jp"], second)
    finally:
        sink.stop()
    sink.stop()  # idempotent

    mails = read_mailbox(mail_dir)
    assert [m["subject"] for m in mails] == ["ご紹介のお礼", "面接のご案内"]  # newest first
    newest, oldest = mails
    assert newest["text"].strip() == "ありがとうございました。"
    assert oldest["from"] == "採用担当 <hr@example.jp>"
    assert oldest["to"] == "山田 花子 <hanako@example.jp>"
    assert "面接の日程をご連絡します。" in oldest["text"]
    assert oldest["file"].endswith(".eml") and oldest["date"]
    assert read_mailbox(mail_dir, limit=1) == [newest]
