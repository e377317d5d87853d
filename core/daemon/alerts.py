"""The daemon's alert delivery: run the configured command and/or POST the webhook per alert.

Alerts are ``alert`` events (raised, rate-limited and stored by :mod:`core.alerts`); this only
delivers them. The alert goes as JSON (the ``LogEvent``) on the command's stdin or as the POST
body. Delivery is bounded (10 s a command, 5 s a POST, at most ``MAX_IN_FLIGHT`` at once) and a
failure is logged and recorded as an event, never retried in a loop.
"""

from __future__ import annotations

import asyncio
import logging

from core.models import EventKind, EventLevel, LogEvent
from core.service import Core
from core.statecodec import new_events
from core.views import CockpitState

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 10.0
WEBHOOK_TIMEOUT_S = 5.0
MAX_IN_FLIGHT = 4


class AlertDispatcher:
    """Listens to a core's states and delivers each new ``alert`` event."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._seen: tuple[LogEvent, ...] | None = None
        self._in_flight = 0
        self.delivered = 0
        self.failed = 0
        self.done = asyncio.Event()
        """Set after each delivery attempt (tests wait on it)."""

    def attach(self) -> None:
        self.core.add_listener(self.on_state)

    def on_state(self, state: CockpitState) -> None:
        previous, self._seen = self._seen, state.events
        if previous is None:
            return
        added = new_events(previous, state.events) or ()
        cfg = self.core.settings.alerts
        if not cfg.command and not cfg.webhook:
            return
        for event in added:
            if event.kind is not EventKind.ALERT:
                continue
            if self._in_flight >= MAX_IN_FLIGHT:
                log.warning("alert delivery saturated; dropped: %s", event.message)
                continue
            self._in_flight += 1
            self.core.spawn("alert:deliver", self._deliver(event))

    async def _deliver(self, event: LogEvent) -> None:
        cfg = self.core.settings.alerts
        body = event.model_dump_json().encode()
        try:
            if cfg.command:
                await self._run(cfg.command, body)
            if cfg.webhook:
                await self._post(cfg.webhook, body)
            self.delivered += 1
        except Exception as exc:
            self.failed += 1
            log.error("alert delivery failed: %s", exc)
            self.core.log_event(
                EventKind.SYSTEM, f"alert delivery failed: {exc}", level=EventLevel.ERROR
            )
        finally:
            self._in_flight -= 1
            self.done.set()

    async def _run(self, argv: tuple[str, ...], body: bytes) -> None:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT_S):
                await proc.communicate(body)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise RuntimeError(f"{argv[0]} timed out after {COMMAND_TIMEOUT_S:g}s") from None
        if proc.returncode:
            raise RuntimeError(f"{argv[0]} exited {proc.returncode}")

    async def _post(self, url: str, body: bytes) -> None:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=body, headers={"Content-Type": "application/json"}) as resp,
        ):
            if resp.status >= 300:
                raise RuntimeError(f"webhook answered HTTP {resp.status}")
