"""``auto_reconnect``: log in again, with exponential backoff, after the connection was lost.

Only a loss the user did not ask for counts (``api.user.logout`` and ``connection.disconnect``
don't reconnect). Each attempt uses what the last login used: the password kept in memory,
``credentials_url`` or ``prebind_url``. A refused password stops the attempts (event
``reconnectFailed``); anything else retries after 1, 2, 4 … 30 s (±25 % jitter so many tabs don't
come back in step). Each wait is announced with ``reconnecting`` (attempt, seconds).

>>> delays = [backoff(n, jitter=0.0) for n in range(7)]
>>> delays
[1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING

from .log import logger
from .session import LoginError

if TYPE_CHECKING:
    from .converse import Converse

FIRST_DELAY = 1.0
MAX_DELAY = 30.0


def backoff(attempt: int, jitter: float = 0.25) -> float:
    """Seconds to wait before attempt ``attempt`` (0-based), with ±``jitter`` spread."""
    delay = min(MAX_DELAY, FIRST_DELAY * (2 ** attempt))
    return float(delay * (1 + random.uniform(-jitter, jitter))) if jitter else float(delay)


class Reconnector:
    """Owned by ``Converse``; told about every loss of the connection."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.attempt = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        """True while a reconnection is scheduled or under way."""
        return self._task is not None and not self._task.done()

    def on_disconnected(self, *, deliberate: bool) -> None:
        if deliberate or not self.converse.settings.get("auto_reconnect"):
            self.cancel()
            return
        if not self.pending:
            self._schedule()

    def cancel(self) -> None:
        """Stop trying (logout, or the user logged in by hand)."""
        if self.pending and self._task is not asyncio.current_task():
            assert self._task is not None
            self._task.cancel()
        self._task = None
        self.attempt = 0

    def _schedule(self) -> None:
        delay = backoff(self.attempt)
        self.attempt += 1
        self.converse.trigger("reconnecting", self.attempt, round(delay, 1))
        self._task = asyncio.ensure_future(self._run(delay))

    async def _run(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self.converse.session.reset_transport()
        try:
            await self.converse.login(None, automatic=True)
        except LoginError as exc:
            if exc.condition in ("not-authorized", "credentials-expired", "account-disabled"):
                logger.error("reconnecting stopped: %s", exc)
                self.attempt = 0
                self.converse.trigger("reconnectFailed", str(exc))
                return
            logger.info("reconnect attempt %d failed: %s", self.attempt, exc)
            self._schedule()
        except Exception as exc:  # no credentials any more, a bad credentials_url, …
            logger.error("reconnecting stopped: %s", exc)
            self.attempt = 0
            self.converse.trigger("reconnectFailed", str(exc))
        else:
            self.attempt = 0
