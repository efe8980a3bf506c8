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
first attempts in one statement, sends them over the worker's one SMTP connection and takes
their jobs off the queue (``send_batch``), so the per-job cost of arq (about six Redis round
trips) and the claim are paid once per batch, not once per mail. Each mail is still marked
``SENT`` on its own right after the server accepted it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from enum import StrEnum
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server import redact, tokens
from server.config import get_settings
from server.errors import DomainError, ErrorCode
from server.mail import budget as mail_budget
from server.mail import suppressions
from server.mail.smtp import SmtpPermanentError, SmtpSender, SmtpTransientError, envelope_address
from server.models import (
    Locale,
    MailKind,
    MailMessage,
    MailStatus,
    Referral,
    ReferralStatus,
    SuppressionReason,
    TokenPurpose,
)
from server.queue import enqueue
from server.text import is_email, normalize_email
from server.webhooks import emitters

log = logging.getLogger(__name__)

SEND_JOB = "send_mail"
MAX_ATTEMPTS = 30  # with the 10 min cap: about four hours of retrying
BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 600
# A send job takes along up to so many due mails on its SMTP connection (one job, one claim
# for all), and hands the rest back after so many seconds.
BATCH_SIZE = 20
BATCH_SECONDS = 10.0
# arq cancels a send job after this long (the batch deadline plus one mail's SMTP timeout);
# a cancelled job hands its claims back.
SEND_JOB_TIMEOUT_SECONDS = 30
# A claim older than this belongs to a dead worker (kill -9, lost host): a live worker's job
# ends by its timeout before, so it never has its mail taken away. The sweeper runs every
# SWEEP_SECONDS: a dead worker's mails are back within CLAIM_TIMEOUT + SWEEP_SECONDS.
CLAIM_TIMEOUT = timedelta(seconds=SEND_JOB_TIMEOUT_SECONDS + 5)
SWEEP_SECONDS = 10
# After the SMTP server accepted a mail, marking it SENT is retried this long (a database
# outage): a mail left SENDING would be sent again once its claim expires.
MARK_RETRY_SECONDS = 300.0
MARK_RETRY_DELAY = 0.5
# A retried row is left to its own arq retry for this long after it falls due.
RETRY_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000
ONE_CLICK = "List-Unsubscribe=One-Click"
# Headers the row may not override.
_OWN_HEADERS = {"from", "to", "subject", "date", "message-id"}

_INSERT = (
    "INSERT INTO mail_message (kind, company_id, candidate_id, referral_id, recipient, locale, "
    "subject, body_text, body_html, headers, status, attempts, dedupe_key, send_after, "
    "message_id, last_error, created_at, from_name) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, '', '', $14, $15) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)
_RELEASE = (
    "UPDATE mail_message SET "
    "status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE 'PENDING' END, "
    "last_error = CASE WHEN attempts >= $2 THEN $3 ELSE $4 END "
    "WHERE status = 'SENDING' AND claimed_at < $1 RETURNING id, attempts, status"
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


async def send(message_id: int, smtp: SmtpSender) -> SendOutcome:
    """Sends one outbox mail, at most once however often and concurrently it is called.

    Returns:
        What happened; ``RETRY`` carries the backoff the caller should wait.
    """
    claimed = await _claim(message_id, datetime.now(UTC))
    if not claimed:
        return SendOutcome(SendResult.SKIPPED)
    return await _deliver(claimed[0], smtp)


async def send_batch(message_id: int, smtp: SmtpSender, redis: ArqRedis) -> SendOutcome:
    """Sends one outbox mail and takes along up to ``BATCH_SIZE - 1`` other due first attempts
    on the same SMTP connection, each at most once (the claim is the guard, as in ``send``).

    The jobs of the mails taken along are taken off the queue (a job that already started
    finds its mail claimed and skips it). Mails not sent when the batch stops (a transient
    failure, or ``BATCH_SECONDS`` spent) go back to PENDING with a job of their own.

    Returns:
        What happened to ``message_id``'s mail (SKIPPED when it was not ours to send).
    """
    started = time.monotonic()
    claimed = await _claim(message_id, datetime.now(UTC), others=BATCH_SIZE - 1)
    await _unqueue(redis, [m.id for m in claimed if m.id != message_id])
    own = SendOutcome(SendResult.SKIPPED)
    untried = list(claimed)  # not handed to the SMTP server yet
    sending: list[MailMessage] = []  # with the SMTP server, not accepted yet
    try:
        for index, message in enumerate(claimed):
            if index and (_stopping or time.monotonic() - started > BATCH_SECONDS):
                break
            untried.remove(message)
            sending[:] = [message]
            outcome = await _deliver(message, smtp, sending)
            sending.clear()
            if outcome.result == SendResult.SENT:
                await _server_back(redis)
            if message.id == message_id:
                own = outcome
            elif outcome.retry_in is not None:
                await _requeue(redis, [(message.id, message.attempts)], defer=outcome.retry_in)
            if outcome.result == SendResult.RETRY:  # the server takes no mail now: stop here
                break
    finally:
        # Also when cancelled (a stopping worker, the job timeout) or failing (database down):
        # what was not tried goes back at once instead of waiting for the claim to expire.
        await _hand_back(redis, untried, sending)
    return own


_stopping = False  # the worker was told to stop: batches end after the mail in hand


def stop_batches(stopping: bool = True) -> None:
    """A stopping worker: running batches hand back what they did not start sending."""
    global _stopping
    _stopping = stopping


async def _deliver(
    message: MailMessage, smtp: SmtpSender, sending: list[MailMessage] | None = None
) -> SendOutcome:
    """Hands a claimed mail to the SMTP server and records the outcome on its row.

    ``sending`` is emptied the moment the server accepted the mail: from then on only marking
    it SENT may touch the row.
    """
    if message.status == MailStatus.SUPPRESSED:
        return SendOutcome(SendResult.SUPPRESSED)
    if message.status == MailStatus.CANCELLED:
        return SendOutcome(SendResult.SKIPPED)
    sender = parseaddr(get_settings().mail_from)[1]
    try:
        await smtp.send(build_email(message), sender=sender, recipient=message.recipient)
    except SmtpPermanentError as error:
        await _bounce(message, str(error))
        return SendOutcome(SendResult.FAILED, error=str(error))
    except SmtpTransientError as error:
        return await _defer(message, str(error))
    if sending is not None:
        sending.clear()
    await _mark_sent(message)
    return SendOutcome(SendResult.SENT)


# The row asked for, plus up to $3 other due first attempts, PENDING → SENDING in one
# statement; the suppression of each address comes along (one round trip less a mail).
_CLAIM = (
    "WITH own AS (SELECT id FROM mail_message WHERE id = $1 FOR UPDATE SKIP LOCKED), "
    "more AS (SELECT id FROM mail_message WHERE status = 'PENDING' AND attempts = 0 "
    "AND send_after <= $2 AND id <> $1 ORDER BY send_after, id LIMIT $3 "
    "FOR UPDATE SKIP LOCKED) "
    "UPDATE mail_message SET status = 'SENDING', claimed_at = $2, attempts = attempts + 1 "
    "WHERE status = 'PENDING' AND send_after <= $2 "
    "AND (id IN (SELECT id FROM own) OR id IN (SELECT id FROM more)) "
    "RETURNING *, (SELECT reason FROM suppression "
    "WHERE email_normalized = mail_message.recipient) AS suppressed_by"
)
_MARK_SENT = (
    "WITH sent AS (UPDATE mail_message SET status = 'SENT', sent_at = $2, message_id = $3, "
    "last_error = '', body_text = $4, body_html = $5, headers = $6 "
    "WHERE id = $1 AND status IN ('SENDING', 'PENDING') RETURNING referral_id) "
    "UPDATE referral SET status = 'MAILED', mailed_at = $2 "
    "WHERE id = (SELECT referral_id FROM sent) AND status = 'PENDING' "
    "RETURNING id, company_id, application_id"
)
# The claim's attempt is taken back: the mail was never handed to the SMTP server.
_HAND_BACK = (
    "UPDATE mail_message SET status = 'PENDING', "
    "attempts = CASE WHEN id = ANY($2::bigint[]) THEN attempts ELSE greatest(attempts - 1, 0) END "
    "WHERE id = ANY($1::bigint[]) AND status = 'SENDING' RETURNING id, attempts"
)


async def _claim(message_id: int, now: datetime, others: int = 0) -> list[MailMessage]:
    """Claims the row (if PENDING and due) and up to ``others`` more due first attempts; the
    row asked for comes first. Rows whose address is suppressed come back SUPPRESSED, capped
    mails nobody wants any more CANCELLED (``mail_budget.stop_reason``)."""
    rows = await connections.get("default").execute_query_dict(_CLAIM, [message_id, now, others])
    rows.sort(key=lambda row: (row["id"] != message_id, row["id"]))
    return [await _settle_claim(row, now) for row in rows]


async def _settle_claim(row: dict, now: datetime) -> MailMessage:
    suppressed_by = row.pop("suppressed_by")
    reason = SuppressionReason(suppressed_by) if suppressed_by else None
    message = MailMessage._init_from_db(**row)
    if suppressions.blocks(reason, message.kind):
        async with in_transaction("default"):
            await _close_unsent(message, MailStatus.SUPPRESSED, f"suppressed: {reason}")
            closed = (
                ReferralStatus.BOUNCED
                if reason == SuppressionReason.BOUNCED
                else ReferralStatus.OPTED_OUT
            )
            await suppressions.close_referrals([message.id], closed)
        return message
    stop = await mail_budget.stop_reason(message, now)
    if stop is not None:  # a waiting follow-up whose person withdrew, paused or left
        await _close_unsent(message, MailStatus.CANCELLED, stop)
    return message


async def _close_unsent(message: MailMessage, status: MailStatus, reason: str) -> None:
    """A claimed mail that will never go out: its reason kept, its links' tokens not."""
    message.status, message.last_error = status, reason
    message.attempts -= 1  # nothing was attempted
    for name, value in scrubbed(message).items():
        setattr(message, name, value)
    fields = ["status", "last_error", "attempts", "body_text", "body_html", "headers"]
    await message.save(update_fields=fields)


async def _unqueue(redis: ArqRedis, message_ids: list[int]) -> None:
    """Takes the first-attempt jobs of mails a batch took along off the queue.

    Only a saving: a job left behind finds its mail claimed and skips it. Their job keys
    stay until they expire; the sweeper sees through them (``_enqueue_swept``).
    """
    if not message_ids:
        return
    try:
        await redis.zrem(redis.default_queue_name, *(job_id(i) for i in message_ids))
    except (RedisError, OSError) as error:
        log.warning(
            "could not take %s batched mail jobs off the queue: %s", len(message_ids), error
        )


async def _hand_back(
    redis: ArqRedis, untried: list[MailMessage], sending: list[MailMessage] = ()
) -> None:
    """Claimed mails a batch did not finish: PENDING again at once, each with a job of its own.

    The claims of ``untried`` mails (never handed to the SMTP server) do not count as an
    attempt; a mail the server had but did not accept yet (``sending``) keeps its attempt.
    Never raises: with the database down the claims expire and the sweeper takes them back.
    """
    ids = [m.id for m in [*untried, *sending]]
    if not ids:
        return
    try:
        rows = await connections.get("default").execute_query_dict(
            _HAND_BACK, [ids, [m.id for m in sending]]
        )
    except Exception as error:  # a failing batch must not fail again here
        log.warning("could not hand back %s claimed mails: %s", len(ids), error)
        return
    await _requeue(redis, [(r["id"], r["attempts"]) for r in rows], defer=0, fresh=True)


async def _requeue(
    redis: ArqRedis, messages: list[tuple[int, int]], *, defer: int, fresh: bool = False
) -> None:
    """A job for each (id, attempts); ``fresh``: an id no earlier job of the mail had (a
    handed-back claim has the attempt number of a job that may still be in Redis)."""
    try:
        for message_id, attempts in messages:
            own = job_id(message_id, attempts)
            await redis.enqueue_job(
                SEND_JOB,
                message_id,
                _job_id=f"{own}:{secrets.token_hex(4)}" if fresh else own,
                _defer_by=defer or None,
            )
    except (RedisError, OSError) as error:  # the sweeper goes on from the rows
        log.warning("could not enqueue %s mails, the sweeper will: %s", len(messages), error)


def scrubbed(message: MailMessage) -> dict[str, Any]:
    """The row's body and headers with the tokens of its links redacted: once a mail is out
    (or failed for good) the stored copy opens nothing; the recipient's copy is the only one."""
    base = get_settings().public_url
    headers = {k: redact.redact_links(v, base) for k, v in (message.headers or {}).items()}
    return {
        "body_text": redact.redact_links(message.body_text, base),
        "body_html": redact.redact_links(message.body_html, base),
        "headers": headers,
    }


# Marks still retrying after their job was cancelled; a stopping worker waits for them.
_marking: set[asyncio.Task[None]] = set()


async def _mark_sent(message: MailMessage) -> None:
    """Marks an accepted mail SENT, retrying through a database outage.

    Shielded: a cancelled job (worker stop, job timeout) leaves the retries running, as the
    row would otherwise go out again once its claim expired.
    """
    task = asyncio.ensure_future(_mark_sent_retrying(message, datetime.now(UTC)))
    _marking.add(task)
    task.add_done_callback(_marking.discard)
    await asyncio.shield(task)


async def _mark_sent_retrying(message: MailMessage, sent_at: datetime) -> None:
    clean = scrubbed(message)
    values = [
        message.id,
        sent_at,
        message_id_header(message.id),
        clean["body_text"],
        clean["body_html"],
        json.dumps(clean["headers"]),
    ]
    deadline = time.monotonic() + MARK_RETRY_SECONDS
    while True:
        try:
            await _write_sent(message, values)
            return
        except Exception as error:  # database down: retried, then reported
            if time.monotonic() > deadline:
                log.error("mail %s was sent but could not be marked SENT: %s", message.id, error)
                raise
            log.warning("mail %s sent, marking it SENT failed, retrying: %s", message.id, error)
            await asyncio.sleep(MARK_RETRY_DELAY)


async def _write_sent(message: MailMessage, values: list[Any]) -> None:
    # PENDING too: a sweeper that wrongly took us for dead must not send it again.
    if message.referral_id is None:
        await connections.get("default").execute_query_dict(_MARK_SENT, values)
        return
    async with in_transaction("default"):  # the referral.mailed event with the status
        rows = await connections.get("default").execute_query_dict(_MARK_SENT, values)
        for row in rows:
            await emitters.referral_mailed(row["id"], row["company_id"], row["application_id"])


async def wait_for_marks() -> None:
    """Lets marks still retrying finish (a stopping worker; bound it with a timeout)."""
    if _marking:
        await asyncio.wait(list(_marking))


async def _bounce(message: MailMessage, error: str) -> None:
    """Permanent refusal: FAILED, the address suppressed, the referral BOUNCED."""
    log.warning("mail %s to %s bounced: %s", message.id, message.recipient, error)
    async with in_transaction("default"):
        await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
            status=MailStatus.FAILED, last_error=error, **scrubbed(message)
        )
        await suppressions.suppress(message.recipient, SuppressionReason.BOUNCED)
        if message.referral_id is not None:
            await Referral.filter(
                id=message.referral_id,
                status__in=[ReferralStatus.PENDING, ReferralStatus.MAILED],
            ).update(status=ReferralStatus.BOUNCED, closed_at=datetime.now(UTC))
        await emitters.mail_bounced(
            message.id, message.company_id, message.kind, message.recipient, message.referral_id
        )


# Deferrals in a row since the SMTP server last accepted a mail (in this process), and when
# the first of them came. Two or more mean the server took nothing (down, or 451 to all):
# once it accepts a mail again, what it deferred meanwhile is retried at once instead of
# waiting out the backoff. A single deferral (one greylisting recipient) keeps its backoff.
_failing = {"count": 0, "since": None}
SERVER_DOWN_DEFERRALS = 2
_RETRY_NOW = (
    "UPDATE mail_message SET send_after = $1 WHERE status = 'PENDING' AND attempts > 0 "
    "AND send_after > $1 AND claimed_at >= $2 RETURNING id, attempts"
)


async def _server_back(redis: ArqRedis) -> None:
    """The SMTP server accepted a mail: release the mails it deferred while it was failing."""
    count, since = _failing["count"], _failing["since"]
    _failing.update(count=0, since=None)
    if count < SERVER_DOWN_DEFERRALS:
        return
    rows = await connections.get("default").execute_query_dict(
        _RETRY_NOW, [datetime.now(UTC), since]
    )
    log.info("SMTP server back after %s deferrals: %s mails retried now", count, len(rows))
    await _requeue(redis, [(r["id"], r["attempts"]) for r in rows], defer=0, fresh=True)


async def _defer(message: MailMessage, error: str) -> SendOutcome:
    """Transient failure: PENDING again after a backoff, or FAILED after MAX_ATTEMPTS."""
    _failing["count"] += 1
    _failing["since"] = _failing["since"] or message.claimed_at
    if message.attempts >= MAX_ATTEMPTS:
        reason = f"gave up after {message.attempts} attempts: {error}"
        log.error("mail %s: %s", message.id, reason)
        await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
            status=MailStatus.FAILED, last_error=reason, **scrubbed(message)
        )
        return SendOutcome(SendResult.FAILED, error=reason)
    delay = backoff(message.attempts)
    log.info(
        "mail %s: attempt %s failed, retry in %ss: %s", message.id, message.attempts, delay, error
    )
    await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
        status=MailStatus.PENDING,
        last_error=error,
        send_after=datetime.now(UTC) + timedelta(seconds=delay),
    )
    return SendOutcome(SendResult.RETRY, retry_in=delay, error=error)


async def sweep(redis: ArqRedis, now: datetime | None = None) -> int:
    """Rebuilds the jobs of mails that should be moving but may have no job.

    * SENDING rows claimed more than ``CLAIM_TIMEOUT`` ago (their worker died) go back to
      PENDING, or to FAILED once they used up ``MAX_ATTEMPTS``.
    * PENDING rows that are due get a job: never attempted ones at once (the job id
      ``mail:{id}`` dedupes against the job enqueued after the commit), retried ones
      ``RETRY_GRACE`` after falling due (their own arq retry normally runs first).

    Safe to run twice and concurrently. Returns how many jobs were enqueued.
    """
    now = now or datetime.now(UTC)
    released = await _release_stale_claims(now)
    due = (
        await MailMessage.filter(
            Q(attempts=0, send_after__lte=now)
            | Q(attempts__gt=0, send_after__lte=now - RETRY_GRACE),
            status=MailStatus.PENDING,
        )
        .order_by("send_after", "id")
        .limit(SWEEP_BATCH)
        .values_list("id", "attempts")
    )
    enqueued = 0
    try:
        for message_id, attempts in dict([*due, *released]).items():
            enqueued += await _enqueue_swept(redis, job_id(message_id, attempts), message_id)
    except (RedisError, OSError) as error:  # the next sweep goes on from the rows
        log.warning("sweeper could not enqueue mails: %s", error)
    if enqueued:
        log.info("sweeper enqueued %s mails", enqueued)
    return enqueued


async def _enqueue_swept(redis: ArqRedis, job: str, message_id: int) -> bool:
    """Enqueues the job unless one with its id is queued or running.

    arq refuses an id whose job key or result is still stored, also when that job will never
    run: taken off the queue by a batch (its claim handed back since), or failed while the
    database was down. Such leftovers are removed and the job enqueued after all.
    """
    if await redis.enqueue_job(SEND_JOB, message_id, _job_id=job) is not None:
        return True
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zscore(redis.default_queue_name, job)
        pipe.exists(in_progress_key_prefix + job)
        queued, running = await pipe.execute()
    if queued is not None or running:
        return False
    await redis.delete(job_key_prefix + job, result_key_prefix + job)
    return await redis.enqueue_job(SEND_JOB, message_id, _job_id=job) is not None


async def _release_stale_claims(now: datetime) -> list[tuple[int, int]]:
    """Stale SENDING rows back to PENDING (or FAILED); returns the released (id, attempts)."""
    rows = await connections.get("default").execute_query_dict(
        _RELEASE,
        [
            now - CLAIM_TIMEOUT,
            MAX_ATTEMPTS,
            f"worker lost {MAX_ATTEMPTS} times while sending",
            "claim expired: the worker was lost",
        ],
    )
    released = [(r["id"], r["attempts"]) for r in rows if r["status"] == MailStatus.PENDING]
    if rows:
        log.warning("sweeper released %s mails claimed by lost workers", len(rows))
    return released
