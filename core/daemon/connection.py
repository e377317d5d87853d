"""One attached client of the control socket: reading its frames within deadlines, answering.

Reading is where a hostile or broken client is contained: a hello must arrive within
``hello_timeout_s``; once a frame has begun it must end within ``frame_timeout_s`` (a
slowloris client trickling bytes is closed); a client that is not subscribed and sends nothing
for ``idle_timeout_s`` is closed; a client that does not read what it is sent within
``send_timeout_s`` is closed. The read buffer is the frame limit (1 MiB). Every frame passes
:func:`~core.daemon.frames.parse_frame` before anything acts on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
from typing import TYPE_CHECKING

from core import __version__
from core.daemon.confirm import ConfirmTokens, describe
from core.daemon.frames import (
    CommandFrame,
    ConfirmRequest,
    Hello,
    InboundFrame,
    Ping,
    StatusRequest,
    Subscribe,
    Unsubscribe,
    parse_frame,
)
from core.daemon.market_choice import MarketChoice
from core.daemon.protocol import (
    PROTOCOL_VERSION,
    Peer,
    Role,
    audit_actor,
    encode,
    parse_command,
    result_message,
    state_message,
)
from core.errors import ProtocolError
from core.models import LogEvent
from core.statecodec import StateEncoder, new_events
from core.views import CommandResult

if TYPE_CHECKING:
    from core.daemon.server import ControlServer

log = logging.getLogger(__name__)

MAX_ERRORS_IN_A_ROW = 64
"""A client whose last this many messages were all refused is closed: it is not a client."""


class Closed(Exception):
    """The connection is to be closed; ``reason`` is told to the client when it can be."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def peer_of(writer: asyncio.StreamWriter) -> Peer:
    sock = writer.get_extra_info("socket")
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, gid = struct.unpack("3i", raw)
    except (OSError, AttributeError):
        return Peer(pid=0, uid=-1, gid=-1)
    return Peer(pid=pid, uid=uid, gid=gid)


class ClientConnection:
    """One client: its role, subscription, confirm tokens and sender task."""

    def __init__(
        self,
        server: ControlServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        number: int,
    ) -> None:
        self.server = server
        self.config = server.core.settings.daemon
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
        self.tokens = ConfirmTokens(self.config.confirm_ttl_s)
        self.choice = MarketChoice()
        """The market whose book and chart this client receives (its own choice)."""
        self.connected_at = asyncio.get_running_loop().time()
        self.closing: str | None = None
        """Why the server is closing this connection, once it is."""

    def describe(self) -> str:
        return f"{self.name} ({self.peer.describe()})"

    @property
    def actor(self) -> str:
        """Who this client is in the audit trail (see :func:`audit_actor`)."""
        assert self.role is not None
        return audit_actor(self.role, self.peer, self.client)

    @property
    def subscribed(self) -> bool:
        return self.want_state or self.want_events

    async def send(self, data: bytes) -> None:
        """Write and wait until the client has taken it, at most ``send_timeout_s``."""
        async with self.write_lock:
            self.writer.write(data)
            try:
                async with asyncio.timeout(self.config.send_timeout_s):
                    await self.writer.drain()
            except TimeoutError:
                self.close(f"not reading for {self.config.send_timeout_s:g} s")
                raise ConnectionError("client not reading") from None

    def close(self, reason: str) -> None:
        """Close now (from any task): tell the client why, if it still reads."""
        if self.closing is not None:
            return
        self.closing = reason
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            if self.writer.transport.get_write_buffer_size() == 0:
                self.writer.write(encode({"type": "bye", "reason": reason}))
            self.writer.close()

    async def read_frame(self) -> bytes | None:
        """The next line, within the deadlines; None at end of file."""
        loop = asyncio.get_running_loop()
        if self.role is None:  # the whole hello, from the moment of connecting
            try:
                async with asyncio.timeout_at(self.connected_at + self.config.hello_timeout_s):
                    return await self._read_line()
            except TimeoutError:
                raise Closed(f"no hello within {self.config.hello_timeout_s:g} s") from None
        idle_s = None if self.subscribed else self.config.idle_timeout_s
        try:
            async with asyncio.timeout(idle_s):
                first = await self.reader.read(1)
        except TimeoutError:
            raise Closed(f"idle for {self.config.idle_timeout_s:g} s") from None
        if not first or first == b"\n":
            return first or None
        frame_s = self.config.frame_timeout_s
        try:
            async with asyncio.timeout_at(loop.time() + frame_s):
                rest = await self._read_line()
        except TimeoutError:
            raise Closed(f"a message took longer than {frame_s:g} s to arrive") from None
        return None if rest is None else first + rest

    async def _read_line(self) -> bytes | None:
        try:
            return await self.reader.readuntil(b"\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError:
            raise Closed("message too long (the limit is 1 MiB)") from None

    async def serve(self) -> None:
        """Read and answer frames until the client leaves or is closed."""
        errors = 0
        try:
            while True:
                line = await self.read_frame()
                if line is None:
                    return
                if not line.strip():
                    continue
                try:
                    frame = parse_frame(line)
                    self.server.admission.active(self, asyncio.get_running_loop().time())
                    await self.handle(frame)
                    errors = 0
                except ProtocolError as exc:
                    errors += 1
                    if errors >= MAX_ERRORS_IN_A_ROW:
                        raise Closed(f"{errors} bad messages in a row") from None
                    await self.send(encode({"type": "error", "message": str(exc)}))
                # Buffered frames are read without suspending: yield between them, or one
                # flooding client would hold the loop (core, publisher, other clients).
                await asyncio.sleep(0)
        except Closed as exc:
            self.close(exc.reason)
        except (ConnectionError, OSError):
            return
        finally:
            if self.sender is not None:
                self.sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self.sender

    async def handle(self, frame: InboundFrame) -> None:
        if isinstance(frame, Hello):
            await self.hello(frame)
            return
        if self.role is None:
            raise ProtocolError("say hello first")
        if isinstance(frame, Subscribe):
            self.subscribe(frame)
        elif isinstance(frame, Unsubscribe):
            self.want_state = self.want_events = False
        elif isinstance(frame, CommandFrame):
            try:
                command = parse_command(frame.command)
                result = await self.server.run_command(self, command, frame.confirm)
            except ProtocolError as exc:
                result = CommandResult(ok=False, message=str(exc))
            await self.send(result_message(frame.id, result))
        elif isinstance(frame, ConfirmRequest):
            await self.confirm_request(frame)
        elif isinstance(frame, Ping):
            await self.send(encode({"type": "pong", "id": frame.id}))
        elif isinstance(frame, StatusRequest):
            await self.send(encode({"type": "status", "id": frame.id, **self.server.status()}))

    async def hello(self, frame: Hello) -> None:
        if self.role is not None:
            raise ProtocolError("hello was already said")
        role = Role(frame.role)
        if role is Role.OPERATOR and self.peer.uid not in (os.getuid(), -1):
            raise ProtocolError("operator role is for the daemon's own user")
        verdict = self.server.admit(self, role)
        if not verdict.admitted:
            raise Closed(verdict.reason)
        self.role = role
        self.client = frame.client
        self.name = f"{self.name}:{frame.client}"
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

    def subscribe(self, frame: Subscribe) -> None:
        self.want_state = frame.state
        self.want_events = frame.events
        self.max_hz = frame.max_hz
        self.encoder.reset()
        # Events are sent from the moment of subscribing: those already in the log are the
        # baseline (a state frame carries them), every later one is sent, even when it is
        # logged before the next state is published.
        latest = self.server.latest
        self.sent_events = latest.events if latest is not None else ()
        if self.sender is None:
            self.sender = asyncio.create_task(self.send_loop(), name=f"send:{self.name}")
        self.wake.set()

    async def confirm_request(self, frame: ConfirmRequest) -> None:
        """Answer a token for the command (operators only: observers may not send it)."""
        assert self.role is not None
        command = parse_command(frame.command)
        answer: dict[str, object] = {"type": "confirm", "id": frame.id}
        refusal = self.server.refusal(self, command)
        if refusal is not None:
            answer |= {"ok": False, "message": refusal}
        else:
            now = asyncio.get_running_loop().time()
            answer |= {
                "ok": True,
                "token": self.tokens.issue(command, now),
                "expires_in_s": self.tokens.ttl_s,
                "action": describe(command),
            }
        await self.send(encode(answer))

    async def send_loop(self) -> None:
        """Send the latest state (and new events) whenever one is published, at most max_hz."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            state = self.server.latest
            if state is None:
                continue
            state = self.choice.view(state, self.server.markets)
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
            await asyncio.sleep(1.0 / self.max_hz)  # max_hz is validated: 0.1 to 60
