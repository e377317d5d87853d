"""Hostile clients against a real core behind its control socket.

Each test attacks the socket (non-finite numbers, deep nesting, huge frames, slowloris, a
crowd of idle connections), then checks the two things that matter: the core keeps
publishing (its state version advances) and an operator still connects and engages the kill
switch. Deadlines are small in these configs and every wait is on an event (the server
closing a connection, a state being published), never on wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from core.bootstrap import build_core
from core.daemon.frames import MAX_FRAME
from core.daemon.protocol import MAX_LINE, Role, decode, encode
from core.daemon.remote import RemoteCore
from core.daemon.server import ControlServer
from core.service import Core
from core.views import CockpitState, KillSwitch
from tests.app.conftest import WAIT_S
from tests.daemon.recorded import sim_settings

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]
SERVERS: dict[Path, ControlServer] = {}
"""The server behind each socket of a running :func:`hostile_server`."""

DEADLINES = {
    "hello_timeout_s": 3.0,
    "frame_timeout_s": 3.0,
    "idle_timeout_s": 3.0,
    "send_timeout_s": 3.0,
}
"""Small enough to wait for, large enough for a legitimate client on a loaded machine."""


@asynccontextmanager
async def hostile_server(tmp_path: Path, **daemon: Any) -> AsyncIterator[tuple[Core, Path]]:
    """A started sim core behind a control server with small deadlines; both closed after."""
    base = sim_settings(tmp_path / "c.db")
    config = base.daemon.model_validate({**base.daemon.model_dump(), **DEADLINES, **daemon})
    core = build_core(base.model_copy(update={"daemon": config}))
    await core.start()
    server = ControlServer(core)
    sock = tmp_path / "s.sock"
    await server.start(sock)
    SERVERS[sock] = server
    try:
        yield core, sock
    finally:
        del SERVERS[sock]
        await server.close()
        await core.stop()


async def open_raw(sock: Path) -> Conn:
    return await asyncio.open_unix_connection(sock, limit=MAX_LINE)


async def close_raw(conn: Conn) -> None:
    conn[1].close()
    with contextlib.suppress(ConnectionError, OSError):
        await conn[1].wait_closed()


async def ask(conn: Conn, line: bytes) -> dict[str, Any]:
    reader, writer = conn
    writer.write(line)
    await writer.drain()
    return decode(await asyncio.wait_for(reader.readuntil(b"\n"), WAIT_S))


async def closed_by_server(conn: Conn) -> list[dict[str, Any]]:
    """Wait until the server closes ``conn``; the messages it sent before closing."""
    reader, _ = conn
    data = await asyncio.wait_for(reader.read(), WAIT_S)
    return [decode(line) for line in data.splitlines() if line.strip()]


async def still_publishing(core: Core, states: int = 5) -> None:
    """The core publishes ``states`` more states (its timers and publisher still run)."""
    seen: list[int] = []
    enough = asyncio.Event()

    def on_state(state: CockpitState) -> None:
        seen.append(state.version)
        if len(seen) >= states:
            enough.set()

    core.add_listener(on_state)
    try:
        await asyncio.wait_for(enough.wait(), WAIT_S)
    finally:
        core.remove_listener(on_state)
    assert seen == sorted(seen) and seen[-1] > seen[0]


async def operator_engages_kill_switch(core: Core, sock: Path) -> None:
    """An operator attaches, engages the kill switch (pause), and the core shows it."""
    operator = RemoteCore(sock, role=Role.OPERATOR, client="hostile-test-operator")
    await operator.start()
    try:
        result = await operator.send(KillSwitch(level=1, reason="hostile test"))
        assert result.ok, result.message
        assert core.publish().kill_level >= 1
    finally:
        await operator.stop()


async def observer(sock: Path) -> Conn:
    conn = await open_raw(sock)
    welcome = await ask(conn, encode({"type": "hello", "role": "observer", "client": "evil"}))
    assert welcome["type"] == "welcome"
    return conn


BAD_RATES = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1e309",
    b"-1e309",
    b"-1",
    b"0",
    b"1e-320",
    b"61",
    b'"fast"',
    b"true",
    b"null",
    b"[15]",
]


async def test_non_finite_and_out_of_range_rates_are_refused_and_the_core_keeps_publishing(
    tmp_path: Path,
) -> None:
    async with hostile_server(tmp_path) as (core, sock):
        conn = await observer(sock)
        try:
            for rate in BAD_RATES:
                answer = await ask(conn, b'{"type":"subscribe","max_hz":' + rate + b"}\n")
                assert answer["type"] == "error", rate
            # NaN anywhere in any frame, and in a command's numbers, is refused too.
            for line in (
                b'{"type":"ping","id":NaN}\n',
                b'{"type":"command","id":1,"command":{"kind":"cycle_market","step":NaN}}\n',
                b'{"type":"hello","role":"observer","client":1e999}\n',
            ):
                assert (await ask(conn, line))["type"] == "error", line
            await still_publishing(core)
            # The connection still works: a valid subscription brings states.
            state = await ask(conn, encode({"type": "subscribe", "max_hz": 20}))
            assert state["type"] == "state"
        finally:
            await close_raw(conn)
        await operator_engages_kill_switch(core, sock)
        await still_publishing(core)


async def test_deep_nesting_and_huge_frames_are_refused(tmp_path: Path) -> None:
    async with hostile_server(tmp_path) as (core, sock):
        conn = await observer(sock)
        try:
            deep = b'{"type":"ping","id":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
            answer = await ask(conn, deep)
            assert answer["type"] == "error" and "more than 1000 arrays" in str(answer["message"])
            answer = await ask(conn, b'{"type":"ping","id":' + b"[" * 500 + b"]" * 500 + b"}\n")
            assert answer == {"type": "error", "message": "nested deeper than 32 levels"}
            nested: Any = "x"
            for _ in range(40):
                nested = {"a": nested}
            command = {"type": "command", "id": 2, "command": {"kind": "refresh_risk", "x": nested}}
            assert (await ask(conn, json.dumps(command).encode() + b"\n"))["type"] == "error"
            brackets_in_strings = encode({"type": "ping", "id": "[{" * 30})  # not nesting
            assert await ask(conn, brackets_in_strings) == {"type": "pong", "id": "[{" * 30}
            long_string = encode({"type": "ping", "id": "x" * 5000})
            assert "longer than 4096" in str((await ask(conn, long_string))["message"])
            # A frame over 1 MiB: the server cannot resynchronise, so it says why and closes.
            conn[1].write(b'{"type":"ping","id":"' + b"x" * (MAX_FRAME + 10) + b'"}\n')
            with contextlib.suppress(ConnectionError):
                await conn[1].drain()
            goodbye = await closed_by_server(conn)
            assert goodbye[-1]["type"] == "bye" and "too long" in goodbye[-1]["reason"]
        finally:
            await close_raw(conn)
        await still_publishing(core)
        await operator_engages_kill_switch(core, sock)


async def test_slowloris_clients_are_closed_and_the_operator_gets_in(tmp_path: Path) -> None:
    async with hostile_server(tmp_path) as (core, sock):
        before_hello = [await open_raw(sock) for _ in range(16)]
        for _, writer in before_hello:
            writer.write(b'{"type":"hel')  # half a hello, never finished
        after_hello = [await observer(sock) for _ in range(4)]
        for _, writer in after_hello:
            writer.write(b'{"type":"pi')  # half a frame after a proper hello
        # While all twenty hang there, an operator attaches and engages the kill switch.
        await operator_engages_kill_switch(core, sock)
        for conn in before_hello:
            goodbye = await closed_by_server(conn)
            assert goodbye and "no hello within" in goodbye[-1]["reason"]
        for conn in after_hello:
            goodbye = await closed_by_server(conn)
            assert goodbye and "longer than 3 s to arrive" in goodbye[-1]["reason"]
        for conn in before_hello + after_hello:
            await close_raw(conn)
        await still_publishing(core)


async def test_two_hundred_idle_connections_leave_room_for_the_operator(tmp_path: Path) -> None:
    # A long idle timeout here: the idle observers must hold their slots throughout.
    limits = {"max_clients": 16, "operator_reserve": 2, "idle_timeout_s": 600.0}
    async with hostile_server(tmp_path, **limits) as (core, sock):
        silent = [await open_raw(sock) for _ in range(200)]  # connect, never say anything
        idle: list[Conn] = []
        refused = 0
        for _ in range(200):  # say hello as observers, then nothing
            conn = await open_raw(sock)
            answer = await ask(conn, encode({"type": "hello", "role": "observer"}))
            if answer["type"] == "welcome":
                idle.append(conn)
            else:
                assert "slot(s) are kept for operators" in str(answer["reason"])
                refused += 1
                await close_raw(conn)
        assert len(idle) == 14 and refused == 186  # two slots stay for operators
        await operator_engages_kill_switch(core, sock)
        await still_publishing(core)
        # The silent ones were closed: too many pending, or no hello in time.
        for conn in silent:
            goodbye = await closed_by_server(conn)
            assert (
                "waiting for hello" in goodbye[-1]["reason"] or "no hello" in goodbye[-1]["reason"]
            )
            await close_raw(conn)
        for conn in idle:
            await close_raw(conn)
        await operator_engages_kill_switch(core, sock)


async def test_an_idle_client_that_did_not_subscribe_is_closed(tmp_path: Path) -> None:
    async with hostile_server(tmp_path) as (core, sock):
        conn = await observer(sock)
        goodbye = await closed_by_server(conn)
        assert goodbye == [{"type": "bye", "reason": "idle for 3 s"}]
        await close_raw(conn)
        await still_publishing(core)


async def test_operators_evict_an_observer_when_every_slot_is_taken(tmp_path: Path) -> None:
    async with hostile_server(tmp_path, max_clients=3, operator_reserve=1) as (core, sock):
        watchers = [await observer(sock) for _ in range(2)]
        operators: list[Conn] = []
        for _ in range(2):
            conn = await open_raw(sock)
            hello = encode({"type": "hello", "role": "operator", "client": "op"})
            assert (await ask(conn, hello))["type"] == "welcome"
            operators.append(conn)
        # The second operator took the last slot by closing the observer idle longest.
        goodbye = await closed_by_server(watchers[0])
        assert "make room for an operator" in goodbye[-1]["reason"]
        for conn in watchers + operators:
            await close_raw(conn)
        await still_publishing(core)


async def test_a_client_that_never_reads_is_closed_and_the_core_keeps_publishing(
    tmp_path: Path,
) -> None:
    async with hostile_server(tmp_path, send_timeout_s=1.5) as (core, sock):
        server = SERVERS[sock]
        loop = asyncio.get_running_loop()
        # A plain socket nobody reads from (an asyncio stream would buffer whatever comes).
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.setblocking(False)
            await loop.sock_connect(raw, str(sock))
            # States, events and 2,000 status answers of ~300 bytes: the socket buffers
            # fill, the server's writes stall, and it gives up on the client while the core
            # goes on publishing.
            await loop.sock_sendall(
                raw,
                encode({"type": "hello", "role": "observer", "client": "deaf"})
                + encode({"type": "subscribe", "state": True, "events": True, "max_hz": 60})
                + encode({"type": "status", "id": 1}) * 2000,
            )

            async def until_dropped() -> None:
                while server.clients:
                    await still_publishing(core, 2)

            await asyncio.wait_for(until_dropped(), WAIT_S)
        await operator_engages_kill_switch(core, sock)


async def test_a_flood_of_bad_frames_is_cut_off(tmp_path: Path) -> None:
    async with hostile_server(tmp_path) as (core, sock):
        conn = await observer(sock)
        conn[1].write(b'{"type":"subscribe","max_hz":NaN}\n' * 100)
        messages = await closed_by_server(conn)
        errors = [m for m in messages if m["type"] == "error"]
        assert len(errors) == 63 and messages[-1] == {
            "type": "bye",
            "reason": "64 bad messages in a row",
        }
        await close_raw(conn)
        await still_publishing(core)
        await operator_engages_kill_switch(core, sock)
