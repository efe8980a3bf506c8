"""The MIME message of an outbox row: text and HTML parts, encoded headers, the From and
Reply-To of a company's own mail.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache

from server.config import get_settings
from server.mail.outbox import message_id_header
from server.mail.smtp import envelope_address
from server.models import (
    MailMessage,
)

# Headers the row may not override.
_OWN_HEADERS = {"from", "to", "subject", "date", "message-id"}


def build_email(message: MailMessage) -> Message:
    """The MIME mail of a row: text, plus an HTML alternative when the row has one.

    Built with the compat32 classes of ``email.mime`` (as Django does): the newer
    ``EmailMessage`` API parses and refolds every header through its registry, which made it
    the largest single cost of sending a mail.

    Raises:
        ValueError: for a header value with a line break (it would end the header).
    """
    if message.body_html:
        # A boundary of our own: the generator would compile a regular expression for every
        # mail to check its random one against the text; 128 random bits are never in a text.
        email: Message = MIMEMultipart("alternative", boundary=f"=_{secrets.token_hex(16)}")
        email.attach(_text_part(message.body_text, "plain"))
        email.attach(_text_part(message.body_html, "html"))
    else:
        email = _text_part(message.body_text, "plain")
    email["From"] = _from_header(get_settings().mail_from, message.from_name)
    email["To"] = envelope_address(message.recipient)
    email["Subject"] = _header(message.subject)
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = message_id_header(message.id)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    for name, value in (message.headers or {}).items():
        if name.lower() not in _OWN_HEADERS:
            email[name] = _header(value)
    return email


def _text_part(text: str, subtype: str) -> MIMEText:
    # Japanese text in base64 is a third bigger, in quoted-printable three times; ASCII stays
    # as it is unless a line is too long for SMTP (998 octets).
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return MIMEText(text, subtype, "us-ascii")
    return MIMEText(text, subtype, "utf-8")


def _header(value: str) -> str | Header:
    """A header value, RFC 2047-encoded when it is not ASCII."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header value with a line break: {value!r}")
    return value if value.isascii() else Header(value, "utf-8")


@cache
def _from_header(mail_from: str, name: str = "") -> str:
    """The network's address, with a company's display name on its own mails (the address
    stays on the network's sending domain, which SPF and DKIM vouch for)."""
    network_name, address = parseaddr(mail_from)
    return formataddr((name or network_name, address), charset="utf-8")
