"""The state codec and the control protocol, in process: frames, deltas, roles, bad input."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.bookdiff import BookDiffError, apply_book_diff, book_diff
from core.bootstrap import build_core
from core.config import Settings
from core.daemon.lock import AlreadyRunning, InstanceLock
from core.daemon.logs import JsonFormatter
from core.daemon.protocol import MAX_LINE, Role, allowed, decode, encode
from core.daemon.runner import merge_reload
from core.daemon.server import ControlServer
from core.models import BookLevel, BookSnapshot, EventKind, LogEvent
from core.service import Core
from core.statecodec import FrameError, StateDecoder, StateEncoder, new_events
from core.views import CockpitState
from tests.app.conftest import WAIT_S
from tests.daemon.recorded import record_session, sim_settings


def event(n: int) -> LogEvent:
    return LogEvent(ts=datetime(2026, 1, 1, tzinfo=UTC), kind=EventKind.SYSTEM, message=f"e{n}")


def test_new_events_finds_the_appended_tail_even_after_trimming() -> None:
    log = tuple(event(i) for i in range(5))
    assert new_events(log[:3], log) == log[3:]
    assert new_events(log, log) == ()
    assert new_events((), log) == log
    trimmed = (*log[2:], event(5))  # the deque dropped e0, e1 and gained e5
    assert new_events(log, trimmed) == (event(5),)
    assert new_events(log, (event(9),)) is None  # not a continuation: send the whole log


async def test_deltas_carry_only_changed_sections_and_decode_to_equal_states(
    tmp_path: Path,
) -> None:
    live = await record_session(tmp_path / "c.db", states=30)
    encoder, decoder = StateEncoder(500), StateDecoder()
    full_size = len(encoder.encode(live[-1], full=True))
    encoder.reset()
    sizes = []
    for state in live:
        frame = encoder.encode(state)
        sizes.append(len(frame))
        assert decoder.apply(frame) == state
    data = json.loads(encoder.encode(live[-1]))
    assert data["full"] is False and data["set"] == {}  # nothing changed: scalars only
    last = live[-1]
    assert last.holdings is not None
    copied = last.model_copy(
        update={"markets": tuple(list(last.markets)), "holdings": last.holdings.model_copy()}
    )
    assert json.loads(encoder.encode(copied))["set"] == {}  # equal values in new objects
    # A delta limited to some sections leaves the others pending until a frame allows them.
    changed = next(s for s in live if s.holdings is not None and s.holdings != last.holdings)
    moved = copied.model_copy(update={"holdings": changed.holdings})
    assert json.loads(encoder.encode(moved, sections={"book"}))["set"] == {}
    assert decoder.apply(encoder.encode(moved)) == moved
    assert encoder.sent_sections == ("holdings",)
    assert sum(sizes[1:]) / len(sizes[1:]) < full_size / 2
    with pytest.raises(FrameError):
        StateDecoder().apply(encoder.encode(live[-1]))  # a delta with no full frame before

    # The recorder's encoder sends a changed book as a difference: equal states, fewer bytes.
    diffing, decoder = StateEncoder(500, diff_book=True), StateDecoder()
    diff_bytes, plain_bytes = [], []
    reused: list[list[object]] = []
    for before, state in itertools.pairwise(live):
        decoder.apply(diffing.encode(before, full=True))
        frame = diffing.encode(state)
        assert decoder.apply(frame) == state
        sent = json.loads(frame)
        if "book_diff" in sent:
            assert "book" not in sent["set"] and state.book is not None
            reused.append(sent["book_diff"]["bids"] + sent["book_diff"]["asks"])
            diff_bytes.append(
                len(zlib.compress(json.dumps(sent["book_diff"], separators=(",", ":")).encode()))
            )
            plain_bytes.append(len(zlib.compress(state.book.model_dump_json().encode())))
    # How much smaller depends on how far apart the states are (the sim ticks in real time,
    # so a loaded machine sees more levels change between states): bench/journal.py measures
    # it. Here: every diffed state decodes equal, and the diffs do reuse unchanged levels.
    assert len(diff_bytes) >= 10 and len(plain_bytes) == len(diff_bytes)
    assert any(isinstance(i, int) for d in reused for i in d)


def book(bids: list[tuple[str, str]], symbol: str = "BTC/USDT") -> BookSnapshot:
    return BookSnapshot(
        venue="sim-a",
        symbol=symbol,
        bids=tuple(BookLevel(price=Decimal(p), qty=Decimal(q)) for p, q in bids),
        asks=(BookLevel(price=Decimal("101"), qty=Decimal("1")),),
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        sequence=7,
    )


def test_book_diff_reuses_identical_levels_by_index_and_keeps_spelling() -> None:
    before = book([("100", "1.0"), ("99", "2"), ("98", "3")])
    after = book([("100.5", "1"), ("100", "1.0"), ("99", "2.00"), ("98", "3")])
    diff = book_diff(before, after)
    assert diff is not None and diff["sequence"] == 7
    # A new level, two shifted ones by index; "2.00" is spelled differently: sent again.
    assert diff["bids"] == [{"price": "100.5", "qty": "1"}, 0, {"price": "99", "qty": "2.00"}, 2]
    assert diff["asks"] == [0]
    rebuilt = apply_book_diff(before, diff)
    assert rebuilt == after and str(rebuilt.bids[2].qty) == "2.00"
    assert book_diff(before, book([], symbol="ETH/USDT")) is None  # another market: in full
    with pytest.raises(BookDiffError):
        apply_book_diff(before, {**diff, "bids": [9]})
    with pytest.raises(BookDiffError):
        apply_book_diff(None, diff)


def test_roles_and_message_parsing() -> None:
    for kind in ("place_order", "cancel_order", "cancel_all", "kill_switch", "execute_plan"):
        assert not allowed(Role.OBSERVER, kind) and allowed(Role.OPERATOR, kind)
    assert allowed(Role.OBSERVER, "execution_history")
    assert allowed(Role.OBSERVER, "cycle_market")  # each connection's own market
    assert decode(encode({"type": "ping", "id": 1})) == {"type": "ping", "id": 1}
    for bad in (b"nope\n", b"[1]\n", b'{"type": 3}\n'):
        with pytest.raises(ValueError):
            decode(bad)


def test_lock_refuses_a_second_instance_and_names_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "c.db.lock"
    with InstanceLock(path):
        with pytest.raises(AlreadyRunning) as exc:
            InstanceLock(path).acquire()
        assert f"pid {os.getpid()}" in str(exc.value)
    with InstanceLock(path):  # released: free again
        pass


def test_reload_keeps_restart_only_sections_and_json_logs() -> None:
    running = Settings()
    loaded = Settings.model_validate({"ui": {"fps": 5}, "sim": {"seed": 99}})
    merged, applied, held = merge_reload(running, loaded)
    assert merged.ui.fps == 5 and merged.sim.seed == running.sim.seed
    assert applied == ["ui"] and held == ["sim"]
    record = logging.LogRecord("core.daemon", logging.INFO, "x", 1, "hello %s", ("w",), None)
    line = json.loads(JsonFormatter().format(record))
    assert (
        line["message"] == "hello w" and line["level"] == "INFO" and line["ts"].endswith("+00:00")
    )


@asynccontextmanager
async def serving(tmp_path: Path) -> AsyncIterator[tuple[Core, Path]]:
    """A started sim core behind a control server on ``tmp_path/s.sock``; both closed after."""
    core = build_core(sim_settings(tmp_path / "c.db"))
    await core.start()
    server = ControlServer(core)
    sock = tmp_path / "s.sock"
    await server.start(sock)
    try:
        yield core, sock
    finally:
        await server.close()
        await core.stop()


@asynccontextmanager
async def connected(
    sock: Path,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A raw connection to the control socket, closed after (also when the test fails)."""
    reader, writer = await asyncio.open_unix_connection(sock, limit=MAX_LINE)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def test_server_answers_protocol_errors_and_serves_states(tmp_path: Path) -> None:
    async with serving(tmp_path) as (core, sock), connected(sock) as (reader, writer):

        async def ask(message: bytes) -> dict[str, Any]:
            writer.write(message)
            await writer.drain()
            return decode(await asyncio.wait_for(reader.readuntil(b"\n"), WAIT_S))

        assert (await ask(encode({"type": "ping", "id": 1})))["message"] == "say hello first"
        assert "not JSON" in str((await ask(b"{oops\n"))["message"])
        bad_role = await ask(encode({"type": "hello", "role": "admin"}))
        assert bad_role["type"] == "error"
        assert str(bad_role["message"]).startswith("bad hello at role: ")
        welcome = await ask(encode({"type": "hello", "role": "observer", "client": "raw"}))
        assert welcome["type"] == "welcome" and welcome["peer"] == {
            "pid": os.getpid(),
            "uid": os.getuid(),
        }
        bad_command = await ask(encode({"type": "command", "id": 3, "command": {"kind": "x"}}))
        assert bad_command["id"] == 3 and bad_command["ok"] is False
        assert "bad command" in str(bad_command["message"])
        bad_rate = await ask(encode({"type": "subscribe", "max_hz": "fast"}))
        assert bad_rate["type"] == "error"
        assert str(bad_rate["message"]).startswith("bad subscribe at max_hz: ")
        first = await ask(encode({"type": "subscribe", "state": True, "max_hz": 30}))
        assert first["type"] == "state"
        decoder = StateDecoder()
        state: CockpitState = decoder.apply(first["frame"])
        assert first["frame"]["full"] is True
        second = decode(await asyncio.wait_for(reader.readuntil(b"\n"), WAIT_S))
        later = decoder.apply(second["frame"])
        assert second["frame"]["full"] is False and later.version > state.version
        assert later.holdings is not None and later.holdings.rows

        # With events subscribed, a new log entry arrives as its own message.
        writer.write(encode({"type": "subscribe", "state": False, "events": True}))
        writer.write(encode({"type": "ping", "id": 9}))  # answered once subscribed
        await writer.drain()

        async def pong() -> None:
            while decode(await reader.readuntil(b"\n")) != {"type": "pong", "id": 9}:
                pass

        await asyncio.wait_for(pong(), WAIT_S)
        core.log_event(EventKind.SYSTEM, "hello subscribers")

        async def next_event() -> dict[str, Any]:
            while True:
                message = decode(await reader.readuntil(b"\n"))
                if (
                    message["type"] == "event"
                    and message["event"]["message"] == "hello subscribers"
                ):
                    return message

        got = await asyncio.wait_for(next_event(), WAIT_S)
        assert LogEvent.model_validate(got["event"]).kind is EventKind.SYSTEM
    assert not sock.exists()


async def test_an_event_logged_before_the_next_state_after_subscribing_is_still_sent(
    tmp_path: Path,
) -> None:
    """Subscribing sets the baseline: an event logged before any state is published after
    the subscription must not be swallowed into it (a CI flake once did exactly that)."""
    async with serving(tmp_path) as (core, sock), connected(sock) as (reader, writer):
        publisher = next(t for t in core.tasks.tasks if t.get_name() == "publisher")
        publisher.cancel()  # states are published by hand below, so the order is fixed
        with contextlib.suppress(asyncio.CancelledError):
            await publisher
        core.publish()
        writer.write(encode({"type": "hello", "role": "observer", "client": "raw"}))
        # States first, slowly: after sending one the connection's sender sleeps a second.
        writer.write(encode({"type": "subscribe", "state": True, "max_hz": 1}))
        await writer.drain()

        async def until(predicate: Any) -> dict[str, Any]:
            while True:
                message = decode(await reader.readuntil(b"\n"))
                if predicate(message):
                    return message

        await asyncio.wait_for(until(lambda m: m["type"] == "state"), WAIT_S)
        # Now events, while the sender still sleeps; the event is logged and published
        # before it wakes.
        writer.write(encode({"type": "subscribe", "state": False, "events": True, "max_hz": 1}))
        writer.write(encode({"type": "ping", "id": 1}))
        await writer.drain()
        await asyncio.wait_for(until(lambda m: m == {"type": "pong", "id": 1}), WAIT_S)
        core.log_event(EventKind.SYSTEM, "logged before any new state")
        core.publish()
        # (The sim may log its own events, e.g. prints, in between: look for this one.)
        got = await asyncio.wait_for(
            until(
                lambda m: (
                    m["type"] == "event" and m["event"]["message"] == "logged before any new state"
                )
            ),
            WAIT_S,
        )
        assert got["event"]["kind"] == "system"
