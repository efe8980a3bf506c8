"""docker-compose.yml and the Dockerfile agree with the code they run (no Docker needed)."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from relay.cli import app as cli_app
from server.config import Settings

ROOT = Path(__file__).resolve().parent.parent
ONE_SHOT = {"migrate"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _services() -> dict[str, dict]:
    return _compose()["services"]


def _relay_verbs() -> set[str]:
    return {c.name or c.callback.__name__.replace("_", "-") for c in cli_app.registered_commands}


def _relay_env() -> dict[str, str]:
    """Every RELAY_* variable any service sets, with its value."""
    env: dict[str, str] = {}
    for service in _services().values():
        for name, value in (service.get("environment") or {}).items():
            if name.startswith("RELAY_"):
                env[name] = value
    return env


def _dockerfile_cmd() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", text, flags=re.MULTILINE)
    assert commands, "the Dockerfile has no exec-form CMD"
    return json.loads(commands[-1])


def test_compose_defines_the_whole_stack():
    assert {"postgres", "redis", "mailpit", "migrate", "server", "worker"} <= set(_services())


def test_server_and_worker_start_only_after_migrations_succeeded():
    services = _services()
    assert services["migrate"]["command"] == ["relay", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("server", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_every_long_running_service_has_a_healthcheck():
    for name, service in _services().items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck") or {}
        assert not check.get("disable"), name
        assert check.get("test"), f"{name} has no healthcheck"


def test_the_server_healthcheck_probes_readiness():
    test = " ".join(_services()["server"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in test


def test_every_relay_variable_is_a_setting():
    env = _relay_env()
    assert env, "the compose file sets no RELAY_* variable"
    fields = {f"RELAY_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= fields, f"unknown settings: {sorted(set(env) - fields)}"


def test_the_compose_settings_pass_the_production_check():
    env = _relay_env()
    assert env["RELAY_ENV"] == "production"
    assert env["RELAY_SECRET_KEY"].startswith("${RELAY_SECRET_KEY:?"), "secret must be required"
    values = {name.removeprefix("RELAY_").lower(): value for name, value in env.items()}
    values["secret_key"] = secrets.token_urlsafe(48)  # what the operator exports
    Settings(**values).check()  # raises ConfigError when the server would refuse to start


def test_service_urls_point_at_compose_services():
    services = _services()
    env = _relay_env()
    for name in ("RELAY_DATABASE_URL", "RELAY_REDIS_URL", "RELAY_SMTP_URL"):
        assert urlsplit(env[name]).hostname in services, name


def test_dockerfile_cmd_runs_an_existing_relay_verb():
    cmd = _dockerfile_cmd()
    assert cmd[0] == "relay"
    assert cmd[1] in _relay_verbs(), f"relay {cmd[1]} does not exist"
    assert cmd[1:] == ["serve", "--host", "0.0.0.0", "--port", "8000"]


def test_compose_commands_run_existing_relay_verbs():
    verbs = _relay_verbs()
    for name, service in _services().items():
        command = service.get("command")
        if command and command[0] == "relay":
            assert command[1] in verbs, f"{name}: relay {command[1]} does not exist"
