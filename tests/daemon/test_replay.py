"""The flight recorder and replay: a replay shows what the live session showed, moment by moment."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from rich.text import Text

from cockpit.replay_app import make_replay_app
from core.daemon.settings import JournalConfig
from core.journal import (
    JITTER,
    SLOW_SECTIONS,
    Frame,
    StateJournal,
    list_sessions,
    load_frames,
    reader,
)
from core.replay import ReplayClient
from core.store import Store
from core.store.db import to_ns
from core.views import CycleMarket
from tests.app.conftest import press, wait_until
from tests.daemon.recorded import record_session, sim_settings
from widgets.key_hints import KeyHints

LIVE_ONLY = {"replay", "trading_enabled"}


async def test_replay_equals_live_at_every_journaled_moment(tmp_path: Path) -> None:
    db = tmp_path / "cockpit.db"
    live = await record_session(db)
    by_version = {s.version: s for s in live}

    sessions = list_sessions(db)
    assert len(sessions) == 1 and sessions[0].clean_exit and sessions[0].frames > 10
    session_id, frames = load_frames(db)
    assert session_id == sessions[0].id
    assert sum(f.full for f in frames) >= 2  # keyframes every 0.5 s

    replay = ReplayClient(db, paused=True)
    await replay.start()
    try:
        seen = 0
        while True:
            state = replay.latest()
            assert state is not None and state.replay and not state.trading_enabled
            original = by_version[state.version]
            # Same moment, same values: every field but the replay flags.
            assert state.ts == original.ts
            assert state.model_dump(exclude=LIVE_ONLY) == original.model_dump(exclude=LIVE_ONLY)
            seen += 1
            if replay.finished:
                break
            replay.step(1)
        assert seen == len(frames) >= 10
        # Every complete live state with risk etc. was journaled, not just the first ones.
        assert frames[-1].version == live[-1].version

        # Seeking back lands on the same values again (decoded from the keyframe before it).
        replay.seek(-1.0)
        back = replay.latest()
        assert back is not None
        assert back.model_dump(exclude=LIVE_ONLY) == by_version[back.version].model_dump(
            exclude=LIVE_ONLY
        )
        assert to_ns(back.ts) <= frames[-1].ts_ns - 1_000_000_000
        # Trading and every other command is refused in a replay.
        result = await replay.send(CycleMarket())
        assert not result.ok and "read-only" in result.message
    finally:
        await replay.stop()


async def test_replay_app_shows_badge_and_transport_keys_work(tmp_path: Path) -> None:
    db = tmp_path / "cockpit.db"
    await record_session(db, states=20)
    settings = sim_settings(db)
    client = ReplayClient(db, paused=True)
    app = make_replay_app(settings, client)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.states_seen >= 1, "the first replayed state")
        assert "REPLAY" in app.export_screenshot()
        first = client.index
        await press(pilot, "full_stop")
        await wait_until(pilot, lambda: client.index == first + 1, "a step")
        stepped = client.latest()
        assert stepped is not None
        await wait_until(
            pilot,
            lambda: app.main.state is not None and app.main.state.version == stepped.version,
            "the stepped state on screen",
        )
        await press(pilot, "space")
        await wait_until(pilot, lambda: not client.paused, "play")
        await press(pilot, "plus")
        assert client.speed == 2.0
        await app.action_quit()


def carried_by(frames: list[Frame]) -> dict[int, set[str]]:
    """The sections each journal frame carries (a book as a difference too), by version."""
    read = reader(frames)
    out = {}
    for i, frame in enumerate(frames):
        data = read.frame(i)
        out[frame.version] = set(data["set"]) | ({"book"} if "book_diff" in data else set())
    return out


async def test_journal_keeps_the_book_at_the_ui_rate_and_the_portfolio_at_max_hz(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cockpit.db"
    live = await record_session(db, states=60, journal_hz=1, keyframe_s=30)  # ui.fps 20
    _, frames = load_frames(db)
    sections = carried_by(frames)
    by_version = {s.version: s for s in live}
    first = by_version[frames[0].version]
    span_s = (live[-1].ts - first.ts).total_seconds()
    # Every book the UI was shown is in the journal, at the moment it was shown.
    shown = [b.version for a, b in pairwise(live) if b.book is not a.book]
    shown = [v for v in shown if v > frames[0].version]
    journaled = [f.version for f in frames[1:] if "book" in sections[f.version]]
    # (How many books a second that is depends on the machine's load: bench/journal.py
    # measures the rate; here every shown book must be journaled, none extra.)
    assert journaled == shown and len(shown) >= 20
    # Holdings are re-priced 4x a second; they are journaled at most journal.max_hz.
    slow = [f for f in frames if f.full or sections[f.version] & SLOW_SECTIONS]
    assert len(slow) <= span_s / JITTER + 2
    repriced = sum(b.holdings is not a.holdings for a, b in pairwise(live))
    assert repriced > len(slow)

    # Replayed: market data and scalars equal the live state at every journaled moment; a
    # portfolio section equals the live one at the frame that last carried it.
    latest: dict[str, int] = {}
    replay = ReplayClient(db, paused=True)
    await replay.start()
    try:
        for frame in frames:
            for name in SLOW_SECTIONS:
                if frame.full or name in sections[frame.version]:
                    latest[name] = frame.version
            state = replay.latest()
            assert state is not None and state.version == frame.version
            original = by_version[frame.version]
            assert state.model_dump(exclude=LIVE_ONLY | SLOW_SECTIONS) == original.model_dump(
                exclude=LIVE_ONLY | SLOW_SECTIONS
            )
            for name, version in latest.items():
                assert getattr(state, name) == getattr(by_version[version], name), name
            if replay.finished:
                break
            replay.step(1)
        assert replay.finished
    finally:
        await replay.stop()


async def test_journal_rates_on_a_driven_clock(tmp_path: Path) -> None:
    """A journal fed states at 30 a second of a fake clock: the book at ui.fps, every
    change; holdings at most max_hz; a keyframe every keyframe_s; nothing else."""
    db = tmp_path / "cockpit.db"
    live = await record_session(db, states=30)
    books = [s for a, s in pairwise(live) if s.book is not a.book]
    assert len(books) >= 10
    first = next(s.holdings for s in live if s.holdings is not None)
    other = next(s.holdings for s in live if s.holdings is not None and s.holdings != first)
    settings = sim_settings(db, journal_hz=1, fps=15).model_copy(
        update={"journal": JournalConfig(max_hz=1, keyframe_s=5)}
    )
    store = await Store.open(tmp_path / "driven.db")
    await store.begin_session("paper", ["sim-a"], "test")
    now = 0.0
    journal = StateJournal(settings, lambda: store, clock=lambda: now)
    t0 = live[0].ts
    seconds, hz = 20, 30
    for i in range(seconds * hz):
        now = i / hz
        # Each state a new book, each journaled one new holdings: the rates are the caps.
        journal.record(
            books[i % len(books)].model_copy(
                update={
                    "version": i + 1,
                    "ts": t0 + timedelta(seconds=now),
                    "holdings": (first, other)[i // 2 % 2].model_copy(),
                }
            )
        )
    await store.end_session()
    await store.close()
    _, frames = load_frames(tmp_path / "driven.db")
    sections = carried_by(frames)
    per_second = Counter(
        int((f.ts_ns - frames[0].ts_ns) / 1e9)
        for f in frames
        if "book" in sections[f.version] or f.full
    )
    assert [per_second[s] for s in range(seconds)] == [15] * seconds  # ui.fps, not 30
    # Frames with a portfolio section: the holdings alternate every two states here, but risk
    # or the plan (from the recorded states) may be what a slow frame carried instead.
    slow = [f for f in frames if f.full or not SLOW_SECTIONS.isdisjoint(sections[f.version])]
    assert len(slow) == journal.slow_frames
    assert seconds <= len(slow) <= seconds / JITTER + 1  # ~max_hz
    assert [f.full for f in frames].count(True) == seconds // 5
    assert len(frames) == journal.frames == seconds * 15


TRANSPORT = [("space", "Pause/play"), (".", "Step"), (">", "Seek +10s"), ("+", "Faster")]


async def check_hints(db: Path, width: int, height: int) -> None:
    app = make_replay_app(sim_settings(db), ReplayClient(db, paused=True))
    async with app.run_test(size=(width, height)) as pilot:
        await wait_until(pilot, lambda: app.states_seen >= 1, "the first replayed state")
        keys = app.main.query_one(KeyHints)
        for pane in ("holdings", "plan", "log", "book"):
            await app.main.run_action(f"show_pane('{pane}')")
            await pilot.pause()
            line = Text(str(keys.render()))
            assert line.cell_len <= width, (pane, line.plain)
            assert keys.shown[:4] == TRANSPORT, (pane, keys.shown)
            assert ("?", "Help") in keys.shown and ("q", "Quit") in keys.shown
            # Whole hints only: what is left out is left out entirely (? lists every key).
            assert all(f" {k}  {d} " in line.plain for k, d in keys.shown)
            if width == 120:
                assert ("1-5", "Panes") in keys.shown
        svg = app.export_screenshot()
        assert "Faster" in svg and "Pause/play" in svg
        await app.action_quit()


async def test_replay_key_hints_fit_at_120_columns_transport_keys_first(tmp_path: Path) -> None:
    db = tmp_path / "cockpit.db"
    await record_session(db, states=10)
    await check_hints(db, 120, 40)
    await check_hints(db, 80, 24)
