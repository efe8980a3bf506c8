"""The development mailbox: the mails the local SMTP sink of `relay up` stored as files,
read back for `/dev/mailbox` (development mode only)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path


def read_mailbox(mail_dir: Path, limit: int = 50) -> list[dict]:
    """Read the messages stored by `MailSink`, newest first.

    Args:
        mail_dir: The sink's directory (missing: no messages).
        limit: Maximum number of messages returned.

    Returns:
        Dicts with ``file`` (name), ``from``, ``to``, ``subject`` (decoded), ``date`` (ISO 8601)
        and ``text`` (the decoded text/plain part, or "").
    """
    files = sorted(Path(mail_dir).glob("*.eml"), key=lambda p: p.name, reverse=True)
    messages = []
    for path in files[:limit]:
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = msg.get_body(preferencelist=("plain",))
        try:
            text = body.get_content() if body is not None else ""
        except LookupError:  # unknown charset
            text = body.get_payload(decode=True).decode("utf-8", "replace")
        date_header = msg["date"]
        when = getattr(date_header, "datetime", None) or datetime.fromtimestamp(
            path.stat().st_mtime, UTC
        )
        messages.append(
            {
                "file": path.name,
                "from": str(msg["from"] or msg["x-mailfrom"] or ""),
                "to": str(msg["to"] or msg["x-rcptto"] or ""),
                "subject": str(msg["subject"] or ""),
                "date": when.isoformat(),
                "text": text,
            }
        )
    return messages
