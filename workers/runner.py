"""The worker process: arq's Worker, made to stop cleanly and to outlive Redis outages.

* SIGTERM / SIGINT: no new jobs; send batches stop after the mail in hand and hand the rest
  back; running jobs get ``STOP_WAIT_SECONDS`` to finish (arq's ``job_completion_wait``),
  then are cancelled (a cancelled send job hands its claims back too).
* Redis gone: a failed poll of the queue is logged and tried again after ``REDIS_RETRY``
  seconds instead of ending the process (arq lets the ``ConnectionError`` out of its main
  loop); a Redis that is down when the worker starts is waited for the same way.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from arq.worker import Worker
from redis.exceptions import RedisError

from server.mail import sending
from workers.settings import worker_settings

log = logging.getLogger(__name__)

# Long enough for a batch's mail in hand (SMTP timeout); a supervisor's stop timeout
# (docker: stop_grace_period) must be longer.
STOP_WAIT_SECONDS = 25
REDIS_RETRY = 1.0


class RelayWorker(Worker):
    """arq's Worker with a graceful stop and a poll loop that survives Redis outages."""

    def handle_sig_wait_for_completion(self, signum: signal.Signals) -> None:
        sending.stop_batches()
        super().handle_sig_wait_for_completion(signum)

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (RedisError, OSError) as error:
            log.warning("Redis unavailable, polling again in %ss: %s", REDIS_RETRY, error)
            await asyncio.sleep(REDIS_RETRY)

    async def main(self) -> None:
        while True:
            try:
                await super().main()
                return
            except (RedisError, OSError) as error:  # Redis down at start: wait for it
                log.warning("Redis unavailable, starting again in %ss: %s", REDIS_RETRY, error)
                self._pool = None
                await asyncio.sleep(REDIS_RETRY)

    async def close(self) -> None:
        try:
            await super().close()
        except (RedisError, OSError) as error:  # Redis down at the stop: shut down anyway
            log.warning("Redis unavailable while stopping: %s", error)
            if self.on_shutdown:
                await self.on_shutdown(self.ctx)


def make_worker(**overrides: Any) -> RelayWorker:
    return RelayWorker(**worker_settings(job_completion_wait=STOP_WAIT_SECONDS, **overrides))


def run(**overrides: Any) -> None:
    """Runs a worker until it is told to stop."""
    sending.stop_batches(False)
    make_worker(**overrides).run()
