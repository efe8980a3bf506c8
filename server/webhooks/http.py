"""Outgoing webhook requests: timeouts, no redirects, a response size cap, and the SSRF
guard.

The guard resolves the host itself and connects to the address it checked (the URL's host
goes in the Host header and the TLS server name), so a DNS answer that changes between the
check and the connection (DNS rebinding) never reaches a private address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass

import httpx

RESPONSE_CAP = 64 * 1024  # bytes of a response read at most
EXCERPT_CHARS = 500


class Refused(Exception):
    """The URL may not be called (scheme, or an address the guard refuses)."""


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None: no HTTP answer (timeout, refused, network error)
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> httpx.URL:
    """The parsed URL when its scheme and host are acceptable.

    Raises:
        Refused: not http(s), or no host.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise Refused(f"invalid URL: {error}") from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise Refused("the URL must be http:// or https:// with a host")
    if parsed.userinfo:
        raise Refused("the URL may not carry a user name or password")
    return parsed


async def resolve(url: httpx.URL, allow_private: bool) -> str:
    """The address to connect to: the host's first address, after checking all of them.

    Raises:
        Refused: the name does not resolve, or resolves to a non-public address while
            ``allow_private`` is false.
    """
    port = url.port or (443 if url.scheme == "https" else 80)
    try:  # an address needs no lookup (getaddrinfo runs in a thread: it costs)
        literal = str(ipaddress.ip_address(url.host))
    except ValueError:
        literal = None
    if literal is not None:
        if not allow_private and not is_public(literal):
            raise Refused(f"{literal} is not a public address")
        return literal
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            url.host, port, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise Refused(f"{url.host} does not resolve: {error}") from error
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise Refused(f"{url.host} resolves to a non-public address ({refused[0]})")
    return addresses[0]


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    seconds: float,
) -> Answer:
    """POSTs ``body`` once; never raises for network trouble (it is the Answer's error)."""
    started = time.monotonic()
    try:
        parsed = check_url(url)
        # The whole request, not only each read, ends at the timeout (a drip-feeding
        # receiver would hold the worker otherwise).
        async with asyncio.timeout(seconds):
            address = await resolve(parsed, allow_private)
            return await _send(client, parsed, address, body, headers, seconds, started)
    except Refused as error:
        return Answer(None, _ms(started), error=f"refused: {error}")
    except (httpx.TimeoutException, TimeoutError):
        return Answer(None, _ms(started), error=f"timeout after {seconds:g}s")
    except httpx.HTTPError as error:
        return Answer(None, _ms(started), error=f"{type(error).__name__}: {error}"[:500])


async def _send(
    client: httpx.AsyncClient,
    url: httpx.URL,
    address: str,
    body: bytes,
    headers: dict[str, str],
    seconds: float,
    started: float,
) -> Answer:
    target = url.copy_with(host=address)
    host_header = url.netloc.decode("ascii")
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    request = client.build_request(
        "POST",
        target,
        content=body,
        headers={**headers, "host": host_header},
        timeout=seconds,
        extensions=extensions,
    )
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        received = bytearray()
        async for chunk in response.aiter_raw():
            received += chunk
            if len(received) >= RESPONSE_CAP:
                break
    finally:
        await response.aclose()
    excerpt = bytes(received[:2000]).decode("utf-8", "replace")[:EXCERPT_CHARS]
    return Answer(response.status_code, _ms(started), excerpt=excerpt)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
