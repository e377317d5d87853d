"""Terminal options (--seed, --fps, --low-bandwidth), the screenshot key, sessions, replay CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cockpit.cli import build_parser, main
from cockpit.commands.tui import LOW_BANDWIDTH_FPS, settings_from_args
from core.config import Settings
from tests.app.conftest import running_app, wait_until
from tests.daemon.recorded import record_session


def parsed(*argv: str) -> Settings:
    args = build_parser().parse_args(argv)
    for name in ("config", "db"):
        if not hasattr(args, name):
            setattr(args, name, None)
    return settings_from_args(args)


def test_seed_fps_and_low_bandwidth_reach_the_settings() -> None:
    assert parsed().sim.seed == Settings().sim.seed
    assert parsed("--seed", "42").sim.seed == 42
    assert parsed("daemon", "--seed", "43").sim.seed == 43
    assert parsed("--seed", "44", "attach").sim.seed == 44  # before the sub-command too
    assert parsed("--fps", "5").ui.fps == 5
    assert parsed("--low-bandwidth").ui.fps == LOW_BANDWIDTH_FPS
    assert parsed("--low-bandwidth", "--fps", "1").ui.fps == 1
    assert parsed("replay", "--low-bandwidth").ui.fps == LOW_BANDWIDTH_FPS


def test_bad_fps_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--fps", "0", "sessions"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cockpit: config error: command line: --fps: must be in (0, 60]"]


async def test_screenshot_key_saves_a_masked_svg(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"store": {"path": str(tmp_path / "c.db")}, "ui": {"privacy": True}}
    )
    async with running_app(settings) as (app, pilot):
        app.screenshot_dir = str(tmp_path)
        await wait_until(
            pilot,
            lambda: app.main.state is not None and app.main.state.holdings is not None,
            "holdings",
        )
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.last_screenshot is not None, "the screenshot")
        with open(str(app.last_screenshot), encoding="utf-8") as file:  # noqa: ASYNC230
            svg = file.read()
        assert svg.startswith("<svg") and "cockpit" in svg and "•••••" in svg
        assert not re.search(r"\$\d", svg)


async def test_sessions_lists_recorded_sessions_and_replay_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cockpit.db"
    live = await record_session(db, states=10)
    assert main(["sessions", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["id", "started"]
    row = out[1].split()
    assert row[0] == str(live[-1].session_id) and "clean" in row and "paper" in row
    assert main(["sessions", "--db", str(db), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)  # one document, venues a real list
    assert listed[0]["clean_exit"] is True and listed[0]["venues"] == ["sim-a", "sim-b"]

    for speed in ("0", "nan", "inf", "-1"):  # a NaN speed would become a NaN timer
        assert main(["replay", "--db", str(db), "--speed", speed]) == 2
        assert (
            capsys.readouterr().err.strip()
            == "cockpit: config error: command line: --speed: must be a positive finite number"
        )
    assert main(["sessions", "--db", str(tmp_path / "missing.db")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.db: no such database" in err[0]


def test_attach_and_replay_fail_in_one_line_before_taking_the_screen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["attach", "--socket", str(tmp_path / "none.sock")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cockpit: attach failed: no daemon on ")
    assert main(["replay", "--db", str(tmp_path / "none.db")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"cockpit: storage error: {tmp_path / 'none.db'}: no such database"]


@pytest.mark.parametrize(
    "argv",
    [
        ("order", "list"),
        ("order", "cancel", "sim-a", "BTC/USDT", "x1"),
        ("order", "place", "sim-a", "BTC/USDT", "buy", "0.1"),
        ("execute-plan", "--yes"),
        ("holdings",),
        ("sessions",),
        ("daemon",),
        ("attach",),
    ],
)
def test_config_and_db_are_accepted_after_the_sub_command_too(argv: tuple[str, ...]) -> None:
    after = build_parser().parse_args([*argv, "--db", "x.db", "--config", "c.yaml"])
    before = build_parser().parse_args(["--db", "x.db", "--config", "c.yaml", *argv])
    assert after.db == before.db == Path("x.db")
    assert after.config == before.config == Path("c.yaml")
