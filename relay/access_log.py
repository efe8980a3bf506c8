"""uvicorn's access log line, the same text for less CPU (``relay serve`` installs it).

uvicorn's formatter copies every record and looks the status phrase up anew for each line:
about a third of the access log's cost, which was a sixth of a `{ __typename }` request's CPU
(bench/README.md). This one writes the same line from the record's arguments.
"""

from __future__ import annotations

import copy
import http
import logging
from functools import lru_cache
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter as UvicornAccessFormatter

FORMAT = LOGGING_CONFIG["formatters"]["access"]["fmt"]


@lru_cache(maxsize=128)
def _status(code: int) -> str:
    try:
        return f"{code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} "


class AccessFormatter(UvicornAccessFormatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        if self.use_colors or self._fmt != FORMAT or not isinstance(record.args, tuple):
            return super().formatMessage(record)
        client_addr, method, full_path, http_version, status_code = record.args
        prefix = record.levelname + ":" + " " * (8 - len(record.levelname))
        request_line = f"{method} {full_path} HTTP/{http_version}"
        return f'{prefix} {client_addr} - "{request_line}" {_status(int(status_code))}'


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with this access formatter."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"]["()"] = f"{__name__}.AccessFormatter"
    return config
