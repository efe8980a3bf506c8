"""relay serve's access log: uvicorn's line, word for word, for less CPU."""

from __future__ import annotations

import logging

import pytest
from uvicorn.logging import AccessFormatter as UvicornAccessFormatter

from relay.access_log import FORMAT, AccessFormatter, log_config
from relay.app import serving_app


@pytest.mark.parametrize(
    "args",
    [
        ("127.0.0.1:50312", "POST", "/graphql", "1.1", 200),
        ("10.0.0.7:1", "GET", "/me/[redacted]?lang=ja", "1.1", 404),
        ("10.0.0.7:1", "GET", "/", "2", 599),  # no phrase for an unknown status
    ],
)
def test_the_access_line_is_uvicorns(args: tuple) -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )
    ours = AccessFormatter(FORMAT, use_colors=False).format(record)
    assert ours == UvicornAccessFormatter(FORMAT, use_colors=False).format(record)
    assert f'"{args[1]} {args[2]} HTTP/{args[3]}" {args[4]}' in ours


def test_serve_configures_it_for_the_access_logger_only() -> None:
    config = log_config()
    assert config["formatters"]["access"]["()"] == "relay.access_log.AccessFormatter"
    assert config["formatters"]["default"]["()"] == "uvicorn.logging.DefaultFormatter"


def test_the_served_app_writes_the_same_line_without_finding_the_caller(monkeypatch) -> None:
    for flag in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing"):
        monkeypatch.setattr(logging, flag, getattr(logging, flag))  # restored afterwards
    serving_app()
    lines: list[logging.LogRecord] = []
    logger = logging.getLogger("relay.test.access")
    handler = logging.Handler()
    handler.emit = lines.append
    logger.addHandler(handler)
    try:
        logger.warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "POST", "/graphql", "1.1", 200)
    finally:
        logger.removeHandler(handler)
    [record] = lines
    assert (record.funcName, record.threadName, record.processName) == (
        "(unknown function)",
        None,
        None,
    )
    line = AccessFormatter(FORMAT, use_colors=False).format(record)
    assert line.endswith('127.0.0.1:1 - "POST /graphql HTTP/1.1" 200 OK')
