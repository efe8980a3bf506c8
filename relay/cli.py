"""The ``relay`` command line: serve, worker, migrate, up, demo, keys, schema, import."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from tortoise import Tortoise

from relay import upenv
from server.config import ConfigError, Settings, get_settings
from server.db import migrate as run_migrations
from server.db import tortoise_config

app = typer.Typer(
    help="Career Relay: the partner network that turns rejections into relationships.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _services_of_relay_up(ctx: typer.Context) -> None:
    """Under a running `relay up`, the other commands use its services (var/relay.env)."""
    if ctx.invoked_subcommand in ("up", "export-schema"):
        return
    used = upenv.adopt(Settings().var_dir)
    if used is not None:
        get_settings.cache_clear()
        typer.echo(f"relay: using the services of `relay up` ({used})", err=True)


def fail(reason: str) -> None:
    """Exits non-zero with a one-line reason."""
    typer.echo(f"relay: {reason}", err=True)
    raise typer.Exit(code=1)


def _settings():
    settings = get_settings()
    try:
        settings.check()
    except ConfigError as error:
        fail(str(error))
    for warning in settings.warnings():
        typer.secho(f"relay: WARNING: {warning}", err=True, fg="red", bold=True)
    return settings


def _require(name: str, value: str | None) -> str:
    if not value:
        fail(f"RELAY_{name} is not set (or run `relay up` for embedded services)")
    return value


async def _with_db(coro_factory):
    await Tortoise.init(config=tortoise_config(_require("DATABASE_URL", _settings().database_url)))
    try:
        return await coro_factory()
    finally:
        await Tortoise.close_connections()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes; one per core serves the most.")
    ] = 1,
) -> None:
    """Runs the HTTP server (GraphQL, candidate pages, health)."""
    import uvicorn

    from relay.access_log import log_config

    settings = _settings()
    _require("DATABASE_URL", settings.database_url)
    _require("REDIS_URL", settings.redis_url)
    uvicorn.run(
        "relay.app:serving_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        # Named, not "auto": a missing uvloop or httptools fails here instead of quietly
        # serving on asyncio's loop and the pure-Python parser.
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_config=log_config(),
        # A spawned worker answers the supervisor's ping only once it has imported the app;
        # uvicorn's 5 s default killed and respawned workers in a loop on a loaded machine
        # (bench/README.md, the API benchmark).
        timeout_worker_healthcheck=60,
    )


@app.command()
def worker() -> None:
    """Runs an arq worker (jobs and cron)."""
    from workers import runner

    settings = _settings()
    _require("DATABASE_URL", settings.database_url)
    _require("REDIS_URL", settings.redis_url)
    runner.run()


async def _seed_and_fold() -> None:
    """The taxonomy, then the data fix of tags a form once filed under the wrong category."""
    from server.network.taxonomy import seed as seed_taxonomy
    from server.operator.tag_upkeep import fold_misfiled

    await seed_taxonomy()
    await fold_misfiled()


@app.command()
def migrate() -> None:
    """Creates the database if needed and applies every migration."""
    url = _require("DATABASE_URL", _settings().database_url)
    try:
        asyncio.run(run_migrations(url))
        asyncio.run(_with_db(_seed_and_fold))
    except OSError as error:
        fail(f"cannot reach the database: {error}")
    typer.echo("migrations applied")


@app.command("create-operator-key")
def create_operator_key(
    name: Annotated[str, typer.Option(help="Label of the key.")] = "operator",
) -> None:
    """Creates an operator API key and prints it, alone, on the last line."""
    from server.companies.api_keys import create_operator_key as create

    raw = asyncio.run(_with_db(lambda: create(name)))
    typer.echo("Operator key (shown once, store it now):")
    typer.echo(raw)


@app.command()
def demo() -> None:
    """Seeds a demo network (idempotent) and prints its keys and a first call."""
    from relay import demo as demo_data

    settings = _settings()
    keys_file = Path(settings.var_dir) / "demo-keys.json"
    keys = asyncio.run(_with_db(lambda: demo_data.seed(demo_data.load_keys(keys_file))))
    demo_data.save_keys(keys_file, keys)
    typer.echo(demo_data.describe(keys, settings.public_url))


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = Path(
        "schema/schema.graphql"
    ),
) -> None:
    """Writes the GraphQL SDL (kept in git, checked for drift by the tests)."""
    from schema.schema import schema
    from schema.sdl import sdl

    output.write_text(sdl(schema), encoding="utf-8")
    typer.echo(f"wrote {output}")


@app.command("import")
def import_csv(
    file: Annotated[
        Path, typer.Argument(help="CSV (UTF-8 or Shift_JIS) or Excel (.xlsx) export of the ATS.")
    ],
    company_key: Annotated[str, typer.Option("--company-key", help="The company's API key.")],
    send_old_mails: Annotated[
        bool, typer.Option(help="Also mail rejections decided more than 30 days ago.")
    ] = False,
    chunk: Annotated[int, typer.Option(help="Rows per transaction.")] = 1000,
) -> None:
    """Imports applications from a CSV or Excel file (upsert on externalId), with a progress bar."""
    from relay.importer import run_import

    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        summary = asyncio.run(
            _with_db(lambda: run_import(file, company_key, send_old_mails, chunk))
        )
    except typer.Exit:
        raise
    except Exception as error:  # the CLI's contract: one line, non-zero exit
        fail(str(error) or type(error).__name__)
    typer.echo(summary.describe())
    if summary.rejected:
        raise typer.Exit(code=2)


@app.command()
def up(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """All in one for development: embedded services, migrate, demo, server and worker."""
    from relay.embedded import EmbeddedPostgres, EmbeddedRedis, MailSink

    settings = get_settings()
    var = Path(settings.var_dir).resolve()
    started = []
    env = dict(os.environ)
    # `kill`, `docker stop` or a closing terminal stop everything as Ctrl-C does, instead of
    # leaving the server, the worker and the embedded services running.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        if not settings.database_url:
            started.append(EmbeddedPostgres(var / "postgres"))
            env["RELAY_DATABASE_URL"] = started[-1].start()
        if not settings.redis_url:
            started.append(EmbeddedRedis(var / "redis"))
            env["RELAY_REDIS_URL"] = started[-1].start()
        if not settings.smtp_url:
            started.append(MailSink(var / "mail"))
            env["RELAY_SMTP_URL"] = started[-1].start()
        env.setdefault("RELAY_PUBLIC_URL", f"http://{host}:{port}")
        env["RELAY_VAR_DIR"] = str(var)
        # The one place development is turned on: the mailbox viewer and GraphiQL come with it.
        env["RELAY_ENV"] = "development"
        if not os.environ.get("RELAY_SECRET_KEY"):
            env["RELAY_SECRET_KEY"] = _local_secret(var / "secret-key")
        upenv.write(var, env)
        typer.echo(f"services for other `relay` commands: {upenv.path(var)}")
        relay = [sys.executable, "-m", "relay.cli"]
        for step in (["migrate"], ["demo"]):
            subprocess.run([*relay, *step], env=env, check=True)
        children = [
            subprocess.Popen([*relay, "serve", "--host", host, "--port", str(port)], env=env),
            subprocess.Popen([*relay, "worker"], env=env),
        ]
        _wait(children)
    except subprocess.CalledProcessError as error:
        fail(f"{' '.join(error.cmd[2:])} failed (exit {error.returncode})")
    finally:
        upenv.remove(var)
        for service in reversed(started):
            service.stop()


def _local_secret(path: Path) -> str:
    """The random secret of this development checkout, made once and kept (sessions survive
    a restart; the published default is never used)."""
    if path.is_file() and len(secret := path.read_text().strip()) >= 32:
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret + "\n")
    return secret


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait(children: list[subprocess.Popen]) -> None:
    """Waits until a child exits or Ctrl-C; then stops every child cleanly."""
    try:
        while all(child.poll() is None for child in children):
            try:
                children[0].wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        typer.echo("\nstopping...")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
