"""``--record FILE.cast`` writes a valid asciicast v2 of exactly what the terminal received.

The real CLI runs in a pseudo-terminal; the cast's output events must equal the bytes the pty
delivered, and playing the cast into a terminal emulator (pyte) must show the cockpit, with
amounts masked when privacy mode is on.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pyte

from bench.ptyterm import run_in_pty
from cockpit.recording import validate_cast
from tests.daemon.conftest import PROJECT_ROOT

COLS, ROWS = 120, 40
AMOUNT = re.compile(r"\$\d")
ALT_SCREEN_OFF = "\x1b[?1049l"


def play(events: list[list[object]], cols: int, rows: int) -> list[str]:
    """The screen a terminal shows after the cast's output (up to leaving the alt screen)."""
    screen = pyte.Screen(cols, rows)
    stream = pyte.Stream(screen)
    for _, code, data in events:
        if code != "o":
            continue
        assert isinstance(data, str)
        if ALT_SCREEN_OFF in data:
            stream.feed(data.split(ALT_SCREEN_OFF)[0])
            break
        stream.feed(data)
    return list(screen.display)


def record(tmp_path: Path, *extra_env: tuple[str, str]) -> tuple[bytes, Path]:
    cast = tmp_path / "session.cast"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **dict(extra_env)}
    run = run_in_pty(
        [
            sys.executable,
            "-m",
            "cockpit",
            "--db",
            str(tmp_path / "c.db"),
            "--seed",
            "5",
            "--record",
            str(cast),
        ],
        cols=COLS,
        rows=ROWS,
        env=env,
        cwd=PROJECT_ROOT,
        # The book's integrity badge and the holdings rows are on screen: a full frame shown.
        until=lambda r, _: b"verified" in r.output and b"Volatility" in r.output,
    )
    assert run.returncode == 0, bytes(run.output[-500:])
    return bytes(run.output), cast


def test_record_writes_a_valid_asciicast_of_exactly_the_terminal_output(tmp_path: Path) -> None:
    output, cast = record(tmp_path)
    header, events = validate_cast(cast)
    assert (header["width"], header["height"]) == (COLS, ROWS)
    assert header["version"] == 2 and header["env"]["TERM"]
    recorded = "".join(str(e[2]) for e in events if e[1] == "o")
    # The pty turns "\n" into "\r\n" (onlcr); otherwise the bytes are identical.
    assert output.decode("utf-8").replace("\r\n", "\n") == recorded.replace("\r\n", "\n")
    times = [float(e[0]) for e in events]
    assert times == sorted(times) and times[-1] > 0

    screen = play(events, COLS, ROWS)
    text = "\n".join(screen)
    # (pyte prints the "u" of the kitty keyboard query it does not know, over one of the first
    # cells of the header, wherever the cursor happens to be; real terminals don't)
    assert "ockpit  PAPER   ● ACTIVE" in screen[0] and "venues: sim-a, sim-b" in screen[0]
    assert "Holdings" in text and "Book" in text and "verified" in text
    assert AMOUNT.search(text), "the holdings show dollar amounts"
    assert json.loads(cast.read_text().splitlines()[0])["version"] == 2


def test_privacy_mode_masks_amounts_in_the_recording(tmp_path: Path) -> None:
    _, cast = record(tmp_path, ("COCKPIT_UI__PRIVACY", "true"))
    _, events = validate_cast(cast)
    text = "\n".join(play(events, COLS, ROWS))
    assert "privacy" in text and "•••••" in text
    assert not AMOUNT.search(text), [line for line in text.splitlines() if AMOUNT.search(line)]


GREYS = {16, 59, 102, 145, 188, 231, *range(232, 256)}
"""256-colour indexes without hue: the cube's grey diagonal and the grey ramp."""
COLOUR = re.compile(r"[34]8;5;(\d+)")


def colours_at_80x24(tmp_path: Path, env: dict[str, str]) -> tuple[set[int], str]:
    run = run_in_pty(
        [sys.executable, "-m", "cockpit", "--db", str(tmp_path / "c.db")],
        cols=80,
        rows=24,
        env={
            **{k: v for k, v in os.environ.items() if k != "NO_COLOR"},
            "PYTHONPATH": str(PROJECT_ROOT),
            **env,
        },
        cwd=PROJECT_ROOT,
        until=lambda r, _: b"Holdings" in r.output and b"live" in r.output,
    )
    assert run.returncode == 0
    text = run.output.decode("utf-8")
    return {int(n) for n in COLOUR.findall(text)}, text


def test_no_color_is_honoured_and_80x24_works(tmp_path: Path) -> None:
    plain, text = colours_at_80x24(tmp_path, {"NO_COLOR": "1"})
    assert plain and plain <= GREYS, sorted(plain - GREYS)
    assert "Holdings" in text
    coloured, _ = colours_at_80x24(tmp_path, {})
    assert coloured - GREYS, "the default palette has hues (256-colour codes)"


async def test_attach_records_and_quits_cleanly(tmp_path: Path) -> None:
    """``cockpit attach --record`` in a terminal: a valid cast, and ``q`` exits 0 (detached)."""
    import asyncio

    from tests.daemon.conftest import running_daemon

    async with running_daemon(tmp_path) as daemon:
        cast = tmp_path / "attach.cast"
        run = await asyncio.to_thread(
            run_in_pty,
            [
                sys.executable,
                "-m",
                "cockpit",
                "attach",
                "--db",
                str(daemon.db),
                "--observer",
                "--record",
                str(cast),
            ],
            cols=COLS,
            rows=ROWS,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            cwd=PROJECT_ROOT,
            until=lambda r, _: b"verified" in r.output and b"Volatility" in r.output,
        )
        assert run.returncode == 0, bytes(run.output[-300:])
        header, events = validate_cast(cast)
        assert (header["width"], header["height"]) == (COLS, ROWS)
        assert "ockpit  PAPER  OBSERVER" in play(events, COLS, ROWS)[0]  # (see above: "u")
        assert daemon.proc.returncode is None  # detaching left it running
        code, _, _ = await daemon.terminate()
        assert code == 0


async def test_replay_records_a_cast_showing_the_replay(tmp_path: Path) -> None:
    """``cockpit replay --record``: a valid cast whose playback shows the REPLAY badge."""
    import asyncio

    from tests.daemon.recorded import record_session

    db = tmp_path / "cockpit.db"
    await record_session(db, states=10)
    cast = tmp_path / "replay.cast"
    argv = [sys.executable, "-m", "cockpit", "replay", "--db", str(db), "--paused"]
    run = await asyncio.to_thread(
        run_in_pty,
        [*argv, "--record", str(cast)],
        cols=COLS,
        rows=ROWS,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        cwd=PROJECT_ROOT,
        until=lambda r, _: b"REPLAY" in r.output and b"Holdings" in r.output,
    )
    assert run.returncode == 0, bytes(run.output[-300:])
    header, events = validate_cast(cast)
    assert (header["width"], header["height"]) == (COLS, ROWS)
    screen = "\n".join(play(events, COLS, ROWS))
    assert "REPLAY" in screen and "Holdings" in screen
