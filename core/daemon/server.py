"""The control socket: a Unix socket (mode 0600) serving the core to attached clients.

Each connection says ``hello`` with a role, may ``subscribe`` to states (a full frame first,
then changed sections at the rate it asked for) and events, and sends commands. Observers are
refused trading commands; operators' commands are logged as events naming the client's uid and
pid (``SO_PEERCRED``), and every audit row they cause names the client as its actor
(:func:`~core.daemon.protocol.audit_actor`). Slow clients only ever get the latest state:
frames coalesce.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
import time
from pathlib import Path
from typing import Any

from core import __version__
from core.daemon.protocol import (
    MAX_LINE,
    PROTOCOL_VERSION,
    VIEW_KINDS,
    Peer,
    ProtocolError,
    Role,
    allowed,
    audit_actor,
    decode,
    encode,
    parse_command,
    result_message,
    state_message,
)
from core.errors import CockpitError
from core.models import EventKind, EventLevel, LogEvent
from core.service import Core
from core.statecodec import StateEncoder, new_events
from core.views import CockpitState, CommandResult

log = logging.getLogger(__name__)


def peer_of(writer: asyncio.StreamWriter) -> Peer:
    sock = writer.get_extra_info("socket")
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, gid = struct.unpack("3i", raw)
    except (OSError, AttributeError):
        return Peer(pid=0, uid=-1, gid=-1)
    return Peer(pid=pid, uid=uid, gid=gid)


class ClientConnection:
    """One attached client: its role, subscription and sender task."""

    def __init__(
        self,
        server: ControlServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        number: int,
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.peer = peer_of(writer)
        self.name = f"client#{number}"
        self.role: Role | None = None
        self.client = "unknown"
        """The name the client gave in its hello."""
        self.max_hz = 15.0
        self.want_state = False
        self.want_events = False
        self.encoder = StateEncoder(server.core.settings.ui.log_lines)
        self.wake = asyncio.Event()
        self.sent_events: tuple[LogEvent, ...] | None = None
        self.sender: asyncio.Task[None] | None = None
        self.write_lock = asyncio.Lock()

    def describe(self) -> str:
        return f"{self.name} ({self.peer.describe()})"

    @property
    def actor(self) -> str:
        """Who this client is in the audit trail (see :func:`audit_actor`)."""
        assert self.role is not None
        return audit_actor(self.role, self.peer, self.client)

    async def send(self, data: bytes) -> None:
        async with self.write_lock:
            self.writer.write(data)
            await self.writer.drain()

    async def serve(self) -> None:
        try:
            while True:
                try:
                    line = await self.reader.readuntil(b"\n")
                except asyncio.IncompleteReadError:
                    return
                except asyncio.LimitOverrunError:
                    await self.send(encode({"type": "error", "message": "message too long"}))
                    return
                try:
                    await self.handle(decode(line))
                except ProtocolError as exc:
                    await self.send(encode({"type": "error", "message": str(exc)}))
        except (ConnectionError, OSError):
            return
        finally:
            if self.sender is not None:
                self.sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self.sender

    async def handle(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "hello":
            await self.hello(msg)
            return
        if self.role is None:
            raise ProtocolError("say hello first")
        if kind == "subscribe":
            self.want_state = bool(msg.get("state", True))
            self.want_events = bool(msg.get("events", False))
            try:
                hz = float(msg.get("max_hz", 15.0))
            except (TypeError, ValueError) as exc:
                raise ProtocolError("max_hz must be a number") from exc
            self.max_hz = min(max(hz, 0.1), 60.0)
            self.encoder.reset()
            # Events are sent from the moment of subscribing: those already in the log are the
            # baseline (a state frame carries them), every later one is sent, even when it is
            # logged before the next state is published.
            latest = self.server.latest
            self.sent_events = latest.events if latest is not None else ()
            if self.sender is None:
                self.sender = asyncio.create_task(self.send_loop(), name=f"send:{self.name}")
            self.wake.set()
        elif kind == "unsubscribe":
            self.want_state = self.want_events = False
        elif kind == "command":
            try:
                result = await self.server.run_command(self, msg.get("command"))
            except ProtocolError as exc:
                result = CommandResult(ok=False, message=str(exc))
            await self.send(result_message(msg.get("id"), result))
        elif kind == "ping":
            await self.send(encode({"type": "pong", "id": msg.get("id")}))
        elif kind == "status":
            await self.send(encode({"type": "status", "id": msg.get("id"), **self.server.status()}))
        else:
            raise ProtocolError(f"unknown message type {kind!r}")

    async def hello(self, msg: dict[str, Any]) -> None:
        try:
            role = Role(msg.get("role", "observer"))
        except ValueError as exc:
            raise ProtocolError(f"unknown role {msg.get('role')!r}") from exc
        if role is Role.OPERATOR and self.peer.uid not in (os.getuid(), -1):
            raise ProtocolError("operator role is for the daemon's own user")
        self.role = role
        client = str(msg.get("client", "unknown"))[:80]
        self.client = client
        self.name = f"{self.name}:{client}"
        log.info("attached %s as %s", self.describe(), role.value)
        state = self.server.core.state
        await self.send(
            encode(
                {
                    "type": "welcome",
                    "protocol": PROTOCOL_VERSION,
                    "server": f"cockpit {__version__}",
                    "role": role.value,
                    "session_id": state.session_id if state else None,
                    "peer": {"pid": self.peer.pid, "uid": self.peer.uid},
                }
            )
        )

    async def send_loop(self) -> None:
        """Send the latest state (and new events) whenever one is published, at most max_hz."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            state = self.server.latest
            if state is None:
                continue
            out = b""
            if self.want_events:
                previous = self.sent_events or ()
                added = new_events(previous, state.events)
                if added is None:
                    added = state.events
                out += b"".join(
                    b'{"type":"event","event":' + e.model_dump_json().encode() + b"}\n"
                    for e in added
                )
                self.sent_events = state.events
            if self.want_state:
                out += state_message(self.encoder.encode(state))
            if out:
                await self.send(out)
            await asyncio.sleep(1.0 / self.max_hz)


def _clear_socket_path(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()  # stale: the instance lock already proved no daemon owns it


class ControlServer:
    """Serves a core on a Unix socket; any number of clients (up to ``max_clients``)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.latest: CockpitState | None = core.state
        self.clients: set[ClientConnection] = set()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._count = 0
        self._started = time.monotonic()
        self.path: Path | None = None

    async def start(self, path: Path) -> None:
        _clear_socket_path(path)
        old_umask = os.umask(0o177)  # created 0600: no window where others could connect
        try:
            self._server = await asyncio.start_unix_server(self._accept, path=path, limit=MAX_LINE)
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        self.path = path
        self.core.add_listener(self._on_state)
        log.info("control socket listening on %s", path)

    def _on_state(self, state: CockpitState) -> None:
        self.latest = state
        for client in self.clients:
            client.wake.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._count += 1
        client = ClientConnection(self, reader, writer, self._count)
        if len(self.clients) >= self.core.settings.daemon.max_clients:
            writer.write(encode({"type": "error", "message": "too many clients"}))
            with contextlib.suppress(ConnectionError, OSError):
                await writer.drain()
            writer.close()
            return
        self.clients.add(client)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            await client.serve()
        finally:
            self.clients.discard(client)
            if task is not None:
                self._handlers.discard(task)
            if client.role is not None:
                log.info("detached %s", client.describe())
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def run_command(self, client: ClientConnection, raw: Any) -> CommandResult:
        command = parse_command(raw)
        assert client.role is not None
        who = f"{client.describe()} as {client.role.value}"
        if not allowed(client.role, command.kind):
            self.core.log_event(
                EventKind.SYSTEM,
                f"refused {command.kind} from {who}: observers may not trade",
                level=EventLevel.WARNING,
            )
            return CommandResult(
                ok=False, message=f"refused: {command.kind} needs the operator role"
            )
        try:
            result = await self.core.execute(command, actor=client.actor)
        except CockpitError as exc:
            result = CommandResult.failure(exc)
        if command.kind not in VIEW_KINDS:
            outcome = "ok" if result.ok else f"failed: {result.message}"
            self.core.log_event(
                EventKind.SYSTEM,
                f"operator command {command.kind} from {who}: {outcome}",
                level=EventLevel.INFO if result.ok else EventLevel.WARNING,
            )
        return result

    def status(self) -> dict[str, Any]:
        state = self.latest
        return {
            "pid": os.getpid(),
            "uptime_s": round(time.monotonic() - self._started, 3),
            "session_id": state.session_id if state else None,
            "version": state.version if state else None,
            "clients": sorted(c.name for c in self.clients if c.role is not None),
            "tasks": self.core.task_names,
        }

    async def close(self) -> None:
        """Say goodbye, stop accepting, and drop every client."""
        self.core.remove_listener(self._on_state)
        if self._server is not None:
            self._server.close()
        for client in list(self.clients):
            with contextlib.suppress(ConnectionError, OSError, RuntimeError):
                client.writer.write(encode({"type": "bye", "reason": "stopping"}))
                client.writer.close()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
