"""var/relay.env: what a running `relay up` tells the other `relay` commands."""

import os
import subprocess
import sys

from relay import upenv


def test_adopt_fills_only_unset_variables_from_a_running_relay_up(tmp_path):
    upenv.write(tmp_path, {"RELAY_DATABASE_URL": "postgres://db", "RELAY_REDIS_URL": "redis://r"})
    environ = {"RELAY_REDIS_URL": "redis://mine"}
    assert upenv.adopt(tmp_path, environ) == tmp_path / "relay.env"
    assert environ == {"RELAY_DATABASE_URL": "postgres://db", "RELAY_REDIS_URL": "redis://mine"}
    assert oct((tmp_path / "relay.env").stat().st_mode & 0o777) == "0o600"


def test_a_file_left_by_a_dead_relay_up_is_ignored(tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (tmp_path / "relay.env").write_text(
        f"RELAY_UP_PID={gone.stdout.strip()}\nRELAY_DATABASE_URL=postgres://old\n"
    )
    environ: dict[str, str] = {}
    assert upenv.adopt(tmp_path, environ) is None
    assert environ == {}


def test_the_cli_says_it_uses_the_services_of_relay_up(tmp_path):
    upenv.write(tmp_path, {"RELAY_DATABASE_URL": "postgres://127.0.0.1:1/none"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAY_")}
    env["RELAY_VAR_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "relay.cli", "create-operator-key"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"using the services of `relay up` ({tmp_path / 'relay.env'})" in done.stderr
    assert "RELAY_DATABASE_URL is not set" not in done.stderr
