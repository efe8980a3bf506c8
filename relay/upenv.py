"""``var/relay.env``: where a running ``relay up`` tells other ``relay`` commands its services.

``relay up`` writes it once its embedded services answer and removes it when it stops; the
other commands read it for the ``RELAY_*`` variables that are not set, and say so.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_NAME = "relay.env"
# What a command needs to reach the services `relay up` runs (never the secret key).
SHARED = ("RELAY_DATABASE_URL", "RELAY_REDIS_URL", "RELAY_SMTP_URL", "RELAY_PUBLIC_URL")


def path(var_dir: str | Path) -> Path:
    return Path(var_dir) / FILE_NAME


def write(var_dir: str | Path, env: dict[str, str]) -> Path:
    """Writes the services of this ``relay up`` (owner-only: it names the database)."""
    target = path(var_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# written by relay up (pid {os.getpid()}); removed when it stops"]
    lines += [f"RELAY_UP_PID={os.getpid()}"]
    lines += [f"{name}={env[name]}" for name in SHARED if env.get(name)]
    temporary = target.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(target)
    return target


def remove(var_dir: str | Path) -> None:
    path(var_dir).unlink(missing_ok=True)


def read(var_dir: str | Path) -> dict[str, str]:
    """The variables of a running ``relay up`` ({} when none runs or its file is stale)."""
    try:
        text = path(var_dir).read_text(encoding="utf-8")
    except OSError:
        return {}
    values = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#"
    )
    pid = values.pop("RELAY_UP_PID", "")
    if not (pid.isdigit() and _alive(int(pid))):
        return {}  # left behind by a `relay up` that was killed
    return {name: value for name, value in values.items() if name in SHARED}


def adopt(var_dir: str | Path, environ: dict[str, str] | os._Environ = os.environ) -> Path | None:
    """Sets the unset service variables from a running ``relay up``; its file if any was used."""
    if environ.get("RELAY_DATABASE_URL") and environ.get("RELAY_REDIS_URL"):
        return None
    found = {name: value for name, value in read(var_dir).items() if not environ.get(name)}
    if not found:
        return None
    environ.update(found)
    return path(var_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
