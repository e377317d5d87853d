"""The flight recorder and replay: a replay shows what the live session showed, moment by moment."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from cockpit.replay_app import make_replay_app
from core.journal import list_sessions, load_frames
from core.replay import ReplayClient
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


async def test_journal_rate_is_capped_by_journal_max_hz(tmp_path: Path) -> None:
    db = tmp_path / "cockpit.db"
    live = await record_session(db, states=40, journal_hz=4)
    _, frames = load_frames(db)
    span_s = (live[-1].ts - live[0].ts).total_seconds()
    assert len(frames) <= 4 * span_s * 1.15 + 2 < len(live)
    # The journaled states are still exactly the live ones at those moments.
    by_version = {s.version: s for s in live}
    replay = ReplayClient(db, paused=True)
    await replay.start()
    try:
        for _ in frames[:-1]:
            state = replay.latest()
            assert state is not None
            expected = by_version[state.version].model_dump(exclude=LIVE_ONLY)
            assert state.model_dump(exclude=LIVE_ONLY) == expected
            replay.step(1)
    finally:
        await replay.stop()


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
