"""``RemoteCore``: a :class:`~core.client.CoreClient` speaking to a daemon over its socket.

The TUI uses it exactly like the in-process core: ``start`` connects, says hello and waits for
the first (full) state; ``updates`` yields the states the daemon pushes; ``send`` carries a
command and waits for its result. Losing the connection ends ``updates``; the daemon keeps
running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from core import __version__
from core.client import paced_states
from core.daemon.confirm import may_need_confirm
from core.daemon.protocol import (
    MAX_LINE,
    Role,
    command_message,
    decode,
    encode,
    parse_result,
)
from core.errors import DaemonError, ProtocolError
from core.models import LogEvent
from core.statecodec import StateDecoder
from core.views import CockpitState, Command, CommandResult

log = logging.getLogger(__name__)


class DaemonUnavailable(DaemonError):
    """No daemon answers on the socket."""


class RemoteCore:
    """A daemon's core seen through its control socket."""

    def __init__(
        self,
        path: Path,
        *,
        role: Role = Role.OPERATOR,
        client: str = "cockpit-attach",
        max_hz: float = 15.0,
        timeout: float = 10.0,
    ) -> None:
        self.path = path
        self.role = role
        self.client = client
        self.max_hz = min(max(max_hz, 0.1), 60.0) if math.isfinite(max_hz) else 15.0
        """What ``subscribe`` asks; the daemon refuses a rate outside 0.1–60."""
        self.timeout = timeout
        self.welcome: dict[str, Any] = {}
        self.started_at: float | None = None
        """``time.perf_counter()`` when ``start()`` was called."""
        self.first_state_s: float | None = None
        """Seconds from ``start()`` to the first state: the attach latency."""
        self.closed = asyncio.Event()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._decoder = StateDecoder()
        self._latest: CockpitState | None = None
        self._changed = asyncio.Event()
        self._first = asyncio.Event()
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 0
        self._reader_task: asyncio.Task[None] | None = None
        self.events: list[dict[str, Any]] = []
        self._event_queue: asyncio.Queue[LogEvent | None] | None = None
        self.on_lost: Callable[[str], None] | None = None
        """Called once if the daemon goes away while attached (not on our own ``stop``)."""
        self._stopping = False
        self._bye = ""

    @property
    def read_only(self) -> bool:
        return self.role is Role.OBSERVER

    def probe(self) -> None:
        """Check synchronously that a daemon listens (a one-line error before any UI starts)."""
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(self.timeout)
            try:
                sock.connect(str(self.path))
            except OSError as exc:
                raise DaemonUnavailable(
                    f"no daemon on {self.path} ({exc.strerror or exc}); start one with "
                    "'cockpit daemon'",
                    title="Attach failed",
                ) from exc

    async def start(self) -> None:
        self.started_at = started = time.perf_counter()
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(
                self.path, limit=MAX_LINE
            )
        except OSError as exc:
            raise DaemonUnavailable(
                f"no daemon on {self.path} ({exc.strerror or exc}); start one with "
                "'cockpit daemon'",
                title="Attach failed",
            ) from exc
        self._writer.write(
            encode({"type": "hello", "role": self.role.value, "client": self.client})
        )
        self._writer.write(
            encode({"type": "subscribe", "state": True, "events": False, "max_hz": self.max_hz})
        )
        await self._writer.drain()
        self._reader_task = asyncio.create_task(self._read_loop(), name="remote-core-reader")
        try:
            await asyncio.wait_for(self._first.wait(), self.timeout)
        except TimeoutError as exc:
            await self.stop()
            raise DaemonUnavailable(
                f"the daemon on {self.path} sent no state within {self.timeout:g}s",
                title="Attach failed",
            ) from exc
        if self._latest is None:
            await self.stop()
            raise DaemonUnavailable(
                f"the daemon on {self.path} closed the connection: "
                f"{self.welcome.get('error', 'no reason given')}",
                title="Attach failed",
            )
        self.first_state_s = time.perf_counter() - started

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                try:
                    line = await self._reader.readuntil(b"\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                try:
                    self._handle(decode(line))
                except (ProtocolError, ValueError) as exc:
                    log.warning("bad message from the daemon: %s", exc)
        finally:
            lost = not self._stopping and not self.closed.is_set() and self._latest is not None
            self.closed.set()
            self._first.set()
            if lost and self.on_lost is not None:
                self.on_lost(self._bye or "the daemon closed the connection")
            self._changed.set()
            if self._event_queue is not None:
                self._event_queue.put_nowait(None)
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(DaemonUnavailable("connection to the daemon lost"))

    def _handle(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "state":
            self._latest = self._decoder.apply(msg["frame"])
            self._changed.set()
            self._first.set()
        elif kind in ("result", "pong", "status", "confirm"):
            future = self._pending.pop(msg.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(msg)
        elif kind == "welcome":
            self.welcome = msg
        elif kind == "event":
            self.events.append(msg["event"])
            del self.events[:-1000]
            if self._event_queue is not None:
                self._event_queue.put_nowait(LogEvent.model_validate(msg["event"]))
        elif kind == "error":
            log.warning("daemon: %s", msg.get("message"))
            self.welcome.setdefault("error", msg.get("message"))
        elif kind == "bye":
            self._bye = f"the daemon is {msg.get('reason', 'gone')}"
            log.info("daemon: %s", msg.get("reason"))

    async def stop(self) -> None:
        """Detach: close the connection (the daemon keeps running). Idempotent."""
        if self._stopping:
            return
        self._stopping = True
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
        self.closed.set()

    def latest(self) -> CockpitState | None:
        return self._latest

    async def updates(self, max_hz: float) -> AsyncIterator[CockpitState]:
        """States as the daemon pushes them (it paces at the rate asked in ``subscribe``)."""
        async for state in paced_states(
            lambda: self._latest, self._changed, max_hz, lambda: not self.closed.is_set()
        ):
            yield state

    async def request(self, message: dict[str, Any] | bytes) -> dict[str, Any]:
        """Send one request carrying an id and wait for the answer with that id."""
        if self._writer is None or self.closed.is_set():
            raise DaemonUnavailable("not connected to the daemon")
        self._next_id += 1
        request_id = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        if isinstance(message, bytes):
            data = message.replace(b'"id":0', b'"id":' + str(request_id).encode(), 1)
        else:
            data = encode({**message, "id": request_id})
        self._writer.write(data)
        await self._writer.drain()
        return await asyncio.wait_for(future, self.timeout)

    async def send(self, command: Command) -> CommandResult:
        """Send ``command`` and wait for its result.

        A re-arm or a flatten takes two steps on the wire (``docs/protocol.md``): a
        ``confirm_request`` answered with a token, then the command carrying it. The TUI has
        already asked the person (its confirm modal); this is the protocol's own step.
        """
        try:
            confirm: str | None = None
            if may_need_confirm(command):
                ticket = await self.request(
                    {"type": "confirm_request", "command": command.model_dump(mode="json")}
                )
                if not ticket.get("ok"):
                    return CommandResult(ok=False, message=str(ticket.get("message", "")))
                confirm = str(ticket.get("token", ""))
            reply = await self.request(command_message(0, command, confirm=confirm))
        except (DaemonUnavailable, TimeoutError) as exc:
            return CommandResult(
                ok=False,
                message=f"daemon: {exc or 'timed out'}",
                title="Daemon unreachable",
                retryable=True,
            )
        try:
            return parse_result(reply)
        except ProtocolError as exc:
            return CommandResult(ok=False, message=f"daemon: {exc}", title="Bad answer")

    async def follow_events(self) -> AsyncIterator[LogEvent]:
        """Every event the core logs from now on, until the connection ends.

        Subscribes to events as well as states; events already shown in the latest state are
        not repeated (the daemon sends only those logged after the subscription).
        """
        if self._writer is None or self.closed.is_set():
            raise DaemonUnavailable("not connected to the daemon")
        queue: asyncio.Queue[LogEvent | None] = asyncio.Queue()
        self._event_queue = queue
        self._writer.write(
            encode({"type": "subscribe", "state": True, "events": True, "max_hz": self.max_hz})
        )
        await self._writer.drain()
        while (event := await queue.get()) is not None:
            yield event

    async def status(self) -> dict[str, Any]:
        return await self.request({"type": "status"})


CLIENT_NAME = f"cockpit-attach/{__version__}"
