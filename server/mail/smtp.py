"""The SMTP client of the outbox: one reused connection per worker process.

``SmtpSender`` keeps one aiosmtplib connection open between mails (sending 1000 mails opens
one connection, not 1000), reconnects when the server dropped it, and sorts every failure into
transient (retry later) or permanent (the recipient's address is refused).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import unquote, urlsplit

import aiosmtplib
from aiosmtplib import (
    SMTPDataError,
    SMTPException,
    SMTPRecipientRefused,
    SMTPResponseException,
)

# Below the worker's job timeout (60 s): a hung server fails the attempt, not the job.
SMTP_TIMEOUT_SECONDS = 20.0
# Servers drop idle clients (RFC 5321 suggests 5 min; NATs sooner): reconnect after a pause
# rather than find out halfway through a mail.
MAX_IDLE_SECONDS = 30.0
# Some relays cap mails per connection; rotating early avoids hitting the cap mid-mail.
MAX_MAILS_PER_CONNECTION = 200
SCHEMES = {"smtp": (False, 25), "smtps": (True, 465)}


class SmtpError(Exception):
    """A mail could not be handed to the SMTP server."""


class SmtpTransientError(SmtpError):
    """Worth retrying later: server down, timeout, 4xx, our own configuration."""


class SmtpPermanentError(SmtpError):
    """The server refused the recipient or the mail for good (5xx on RCPT or DATA)."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to connect, parsed from ``RELAY_SMTP_URL``."""

    hostname: str
    port: int
    use_tls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parses ``smtp://[user:password@]host[:port]`` (``smtps://`` for implicit TLS).

        Raises:
            ValueError: for another scheme or a URL without a host.
        """
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError(f"RELAY_SMTP_URL must be smtp://host:port or smtps://…, not {url!r}")
        use_tls, default_port = SCHEMES[parts.scheme]
        return cls(
            hostname=parts.hostname,
            port=parts.port or default_port,
            use_tls=use_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def envelope_address(address: str) -> str:
    """The ASCII form of an address for the SMTP envelope (IDNA for the domain).

    Raises:
        SmtpPermanentError: for an address no server could be given without SMTPUTF8.
    """
    local, _, domain = address.rpartition("@")
    if not local or not domain or not local.isascii():
        raise SmtpPermanentError(f"cannot send to {address!r}: not an ASCII mailbox")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError as error:
        raise SmtpPermanentError(f"cannot send to {address!r}: {error}") from error


def _classify(error: SMTPResponseException) -> SmtpError:
    """5xx on RCPT or DATA is the recipient's permanent refusal; anything else is transient
    (a 5xx on MAIL FROM or AUTH is our configuration, which an operator can fix)."""
    text = f"{error.code} {error.message}".strip()
    if isinstance(error, SMTPRecipientRefused | SMTPDataError) and 500 <= error.code < 600:
        return SmtpPermanentError(text)
    return SmtpTransientError(text)


class SmtpSender:
    """Sends mails over one reused SMTP connection; safe to share between concurrent jobs.

    Sends are serialised on the connection (SMTP is one transaction at a time anyway).
    """

    def __init__(
        self,
        url: str | None,
        *,
        timeout: float = SMTP_TIMEOUT_SECONDS,
        max_idle: float = MAX_IDLE_SECONDS,
        max_per_connection: int = MAX_MAILS_PER_CONNECTION,
    ) -> None:
        """Prepares the sender; nothing connects before the first mail.

        Raises:
            ValueError: for a malformed URL (a missing one only fails the sends).
        """
        self.config = SmtpConfig.from_url(url) if url else None
        self.timeout = timeout
        self.max_idle = max_idle
        self.max_per_connection = max_per_connection
        self.connections_opened = 0
        self._smtp: aiosmtplib.SMTP | None = None
        self._sent_on_connection = 0
        self._last_used = 0.0
        self._lock = asyncio.Lock()

    async def send(self, message: Message, *, sender: str, recipient: str) -> None:
        """Hands one mail for one recipient to the server.

        Raises:
            SmtpPermanentError: the server refused the recipient or the mail (5xx).
            SmtpTransientError: anything worth retrying later.
        """
        if self.config is None:
            raise SmtpTransientError("RELAY_SMTP_URL is not set")
        recipient = envelope_address(recipient)
        # In the message's own policy family (compat32 or email.policy), with CRLF line ends.
        payload = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        async with self._lock:
            try:
                smtp = await self._begin(sender)
                await smtp.rcpt(recipient)
                await smtp.data(payload)
            except SMTPResponseException as error:
                await self._abort_transaction(error)
                raise _classify(error) from error
            except (SMTPException, OSError, TimeoutError) as error:
                await self._discard(polite=False)
                raise SmtpTransientError(f"SMTP connection failed: {error}") from error
            except asyncio.CancelledError:  # halfway through a mail: the connection is spent
                await self._discard(polite=False)
                raise
            finally:
                self._last_used = time.monotonic()
            self._sent_on_connection += 1

    async def close(self) -> None:
        """Says QUIT and closes the connection, if one is open."""
        async with self._lock:
            await self._discard(polite=True)

    async def _begin(self, sender: str) -> aiosmtplib.SMTP:
        """Opens the mail transaction (MAIL FROM), on a fresh connection if the reused one
        turns out to be dead. Nothing has been sent at that point, so the retry is safe."""
        smtp, reused = await self._connection()
        try:
            await smtp.mail(sender)
        except (ConnectionError, SMTPResponseException) as error:
            dropped = isinstance(error, ConnectionError) or error.code == 421
            if not (reused and dropped):
                raise
            await self._discard(polite=False)
            smtp, _ = await self._connection()
            await smtp.mail(sender)
        return smtp

    async def _connection(self) -> tuple[aiosmtplib.SMTP, bool]:
        """The open connection (and True), or a new one (and False)."""
        smtp = self._smtp
        if smtp is not None and smtp.is_connected and not self._worn_out():
            return smtp, True
        await self._discard(polite=smtp is not None and smtp.is_connected)
        assert self.config is not None
        smtp = aiosmtplib.SMTP(
            hostname=self.config.hostname,
            port=self.config.port,
            use_tls=self.config.use_tls,
            username=self.config.username,
            password=self.config.password,
            timeout=self.timeout,
        )
        await smtp.connect()
        self._smtp, self._sent_on_connection = smtp, 0
        self.connections_opened += 1
        return smtp, False

    def _worn_out(self) -> bool:
        idle = time.monotonic() - self._last_used
        return idle > self.max_idle or self._sent_on_connection >= self.max_per_connection

    async def _abort_transaction(self, error: SMTPResponseException) -> None:
        """Resets the envelope after a refusal so the connection serves the next mail."""
        smtp = self._smtp
        if smtp is None or not smtp.is_connected or error.code == 421:  # 421: server closing
            await self._discard(polite=False)
            return
        try:
            await smtp.rset()
        except (SMTPException, OSError, TimeoutError):
            await self._discard(polite=False)

    async def _discard(self, *, polite: bool) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        if polite and smtp.is_connected:
            try:
                await smtp.quit(timeout=2)
            except (SMTPException, OSError, TimeoutError):
                pass
        smtp.close()
