"""`relay up` (what `make up` runs), for real: embedded services, migrations, the demo, the
server and the worker; and a SIGTERM to it stops every process it started."""

import os
import signal
import subprocess
import sys
import time

import httpx
import psutil

from relay.embedded import free_port


def _wait_ready(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("relay up did not become ready")


def test_relay_up_serves_the_demo_and_a_sigterm_stops_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAY_")}
    env["RELAY_VAR_DIR"] = str(tmp_path / "var")
    up = subprocess.Popen(
        [sys.executable, "-m", "relay.cli", "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    started: list[psutil.Process] = []
    try:
        _wait_ready(url, up, 120)
        keys = (tmp_path / "var").glob("**/*.json")
        assert any(keys), "the demo keys file is written under RELAY_VAR_DIR"
        # development is on (its mailbox viewer), with a random secret kept for the checkout
        assert httpx.get(f"{url}/dev/mailbox", timeout=5).status_code == 200
        secret = tmp_path / "var" / "secret-key"
        assert len(secret.read_text().strip()) >= 32
        assert secret.stat().st_mode & 0o077 == 0, "only its owner reads the secret"
        # The server and worker are its children; PostgreSQL runs detached, on our data dir.
        started = psutil.Process(up.pid).children(recursive=True) + [
            p
            for p in psutil.process_iter(["cmdline"])
            if str(tmp_path) in " ".join(p.info["cmdline"] or [])
        ]
        names = " ".join(" ".join(p.cmdline()) for p in started)
        assert "serve" in names and "worker" in names and "postgres" in names, names
        _relay_env_names_the_services(tmp_path)

        up.send_signal(signal.SIGTERM)
        up.wait(60)

        _, alive = psutil.wait_procs(started, timeout=30)
        assert alive == [], (
            [p.cmdline() for p in alive],
            up.stdout.read()[-3000:] if up.stdout else "",  # why relay up could not stop it
        )
        assert up.returncode is not None
        assert not (tmp_path / "var" / "relay.env").exists(), "removed when relay up stops"
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            raise AssertionError("the server still answers")
        except httpx.ConnectError:
            pass
    finally:  # whatever failed, nothing it started outlives the test
        if up.poll() is None:
            up.kill()
        for process in started:
            if process.is_running():
                process.kill()


def _relay_env_names_the_services(tmp_path) -> None:
    """Other `relay` commands find relay up's embedded services in var/relay.env."""
    written = (tmp_path / "var" / "relay.env").read_text()
    assert "RELAY_DATABASE_URL=postgres" in written and "RELAY_REDIS_URL=redis" in written
