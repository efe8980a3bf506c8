"""The outbox: mails are rows (``MailMessage``) written in the caller's transaction, then sent
by the ``send_mail`` job; a sweeper rebuilds lost jobs from the rows.

Life of a row::

    PENDING ──claim──> SENDING ──> SENT
       ▲                  │──────> FAILED      (5xx for the recipient, or too many attempts)
       └── transient ─────┘        SUPPRESSED  (address suppressed when claimed)
           error, crash            CANCELLED   (taken back before it was due)

The database is the guard (a row is claimed once, with ``SKIP LOCKED``); arq job ids only
avoid piling up duplicate jobs. Retry policy: a transient failure puts the row back to
``PENDING`` with ``send_after`` moved by an exponential backoff (``backoff``); after
``MAX_ATTEMPTS`` claims the mail is ``FAILED`` for good.

Throughput: a ``send_mail`` job claims its own row and up to ``BATCH_SIZE - 1`` other due
rows (first attempts, and retries whose backoff is over) in one statement, sends them over
the worker's one SMTP connection and takes their jobs off the queue (``send_batch``), so the
per-job cost of arq (about six Redis round trips) and the claim are paid once per batch, not
once per mail. Each mail is still marked ``SENT`` on its own right after the server accepted
it. When the server takes mail again after refusing everything, what it deferred is due at
once and goes out the same way (``sending._server_back``).

This module queues rows and names their jobs; ``mime`` builds the message, ``claims`` claims
and hands back rows, ``sending`` sends and marks them, ``sweeper`` rebuilds lost jobs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from arq.connections import ArqRedis
from tortoise import connections

from server import tokens
from server.config import get_settings
from server.errors import DomainError, ErrorCode
from server.models import (
    Locale,
    MailKind,
    MailMessage,
    MailStatus,
    TokenPurpose,
)
from server.queue import enqueue
from server.text import is_email, normalize_email

log = logging.getLogger(__name__)

SEND_JOB = "send_mail"
MAX_ATTEMPTS = 30  # with the 10 min cap: about four hours of retrying
BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 600
# arq cancels a send job after this long (the batch deadline plus one mail's SMTP timeout);
# a cancelled job hands its claims back.
SEND_JOB_TIMEOUT_SECONDS = 30
ONE_CLICK = "List-Unsubscribe=One-Click"

_INSERT = (
    "INSERT INTO mail_message (kind, company_id, candidate_id, referral_id, recipient, locale, "
    "subject, body_text, body_html, headers, status, attempts, dedupe_key, send_after, "
    "message_id, last_error, created_at, from_name) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, '', '', $14, $15) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)


@dataclass(frozen=True)
class Sender:
    """Who a company's own mail is from: the From display name and the Reply-To address."""

    name: str
    reply_to: str = ""


class SendResult(StrEnum):
    SENT = "SENT"
    SUPPRESSED = "SUPPRESSED"
    FAILED = "FAILED"
    RETRY = "RETRY"  # transient failure: the row is PENDING again, due in ``retry_in``
    SKIPPED = "SKIPPED"  # not claimable: already taken, finished, cancelled or not yet due


@dataclass(frozen=True)
class SendOutcome:
    result: SendResult
    retry_in: int | None = None  # seconds, for RETRY
    error: str = ""


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: 10 s, 20 s, … 10 min."""
    return min(BACKOFF_BASE_SECONDS * 2 ** min(attempts, 16), BACKOFF_CAP_SECONDS)


def job_id(message_id: int, attempts: int = 0) -> str:
    """arq job id of the next attempt.

    The first job is ``mail:{id}``; after a failure or a lost worker the attempt number is
    added, because arq keeps an id blocked while the previous job's result lives on. arq job
    ids are global to a Redis server, so they carry the queue name: deployments (and test
    runs) sharing a Redis never block each other's mails.
    """
    own = f"mail:{message_id}" if attempts == 0 else f"mail:{message_id}:{attempts}"
    return f"{get_settings().queue_name}:{own}"


def message_id_header(message_id: int) -> str:
    """RFC 5322 Message-ID of a row: the same on every attempt, so receivers can dedupe."""
    host = urlsplit(get_settings().public_url).hostname or "localhost"
    return f"<mail-{message_id}@{host}>"


async def unsubscribe_url(email: str) -> str:
    """A one-click unsubscription link for the address (a fresh UNSUBSCRIBE token)."""
    raw = await tokens.issue(TokenPurpose.UNSUBSCRIBE, email=normalize_email(email))
    return f"{get_settings().public_url}/u/{raw}"


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 + RFC 8058 headers (one-click: mail clients POST to the URL)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


async def queue_mail(
    *,
    kind: MailKind,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    locale: Locale = Locale.JA,
    dedupe_key: str,
    unsubscribe: str | None = None,
    company_id: int | None = None,
    candidate_id: int | None = None,
    referral_id: int | None = None,
    send_after: datetime | None = None,
    sender: Sender | None = None,
) -> tuple[MailMessage, bool]:
    """Adds a PENDING mail to the outbox in the caller's transaction.

    The recipient is stored normalised (suppressions match on it). A taken ``dedupe_key`` is
    not an error and does not abort the caller's transaction. A company's own mail gives its
    ``sender``: the From display name and the Reply-To address.

    Returns:
        The row and True, or the row already holding ``dedupe_key`` and False.

    Raises:
        DomainError: INVALID for a recipient that is not an email address.
    """
    if not is_email(recipient):
        raise DomainError(ErrorCode.INVALID, "not a valid email address", ["recipient"])
    headers = unsubscribe_headers(unsubscribe) if unsubscribe else {}
    if sender is not None and sender.reply_to:
        headers["Reply-To"] = sender.reply_to
    now = datetime.now(UTC)
    values = [
        kind.value,
        company_id,
        candidate_id,
        referral_id,
        normalize_email(recipient),
        Locale(locale).value,
        " ".join(subject.split()),  # a line break in a header would end it
        body_text,
        body_html,
        json.dumps(headers),
        MailStatus.PENDING.value,
        dedupe_key,
        send_after or now,
        now,
        sender.name if sender is not None else "",
    ]
    # execute_query_dict: Tortoise's execute_query drops the RETURNING rows of an INSERT.
    rows = await connections.get("default").execute_query_dict(_INSERT, values)
    if rows:
        return await MailMessage.get(id=rows[0]["id"]), True
    return await MailMessage.get(dedupe_key=dedupe_key), False


async def enqueue_send(redis: ArqRedis, message_ids: list[int]) -> None:
    """After the commit: one ``send_mail`` job per mail (a lost one is the sweeper's)."""
    for message_id in message_ids:
        await enqueue(redis, SEND_JOB, message_id, job_id=job_id(message_id))
