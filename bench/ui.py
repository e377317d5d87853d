"""Benchmark: the TUI headless on the sim at its default rate and at 10x, with keys pressed.

    /work/venv/bin/python bench/ui.py [--seconds 10] [--interval 0.1] [--rates 10,100]
                                      [--keys nav|holdings|chart|terminal[,...]]
                                      [--cores process,thread] [--size 160x48]

    # key p99 and frame time with the chart visible beside the same without it, at 10x:
    /work/venv/bin/python bench/ui.py --keys nav,chart --rates 100 --cores process

For each sim rate (``sim.tick_hz``) and each way of running the core, the real app is built
through ``make_app`` on the sim (database in a temporary dir) and run with ``App.run_test``.
The core runs as plain ``cockpit`` runs it: ``process``, an ``EmbeddedCore`` child process
reached over its private socket (the default); and, as the peer it replaced, ``thread``, a
``ThreadedCore`` in the UI's own process (``cockpit --in-process``). Keys
(``nav``: 1-5, j/k, Tab; ``holdings``: the holdings pane's own keys l, s, b, and ``/`` typing
a filter then Esc; ``chart``: ``c`` once, then the chart's crosshair, zoom, mode and pan keys
with the chart visible; ``terminal``: ``:`` typing then Esc, the ``o`` ticket, ``O`` open orders
and ``?``, each closed with Esc) are pressed every ``--interval`` seconds the way the terminal
driver delivers them (a ``Key`` event posted to the app). Several key sets (``--keys
nav,chart``) are measured one after the other in the same run, each on a fresh app and
database, and compared as ratios. Figures:

- keystroke latency: from posting the key to the first screen frame composed after the key's
  effect (active pane, focus, cursor or scroll) is visible; p50 / p99 / max;
- frames/s: screen frames composed (``App._display`` calls, which in headless mode do all the
  rendering work except writing to a terminal) and core states rendered per second;
- frame time: the time of each screen update (``Screen._on_timer_update``: layout when needed,
  every dirty widget's lines, the compositor's update), p50 / p99; with the chart set, also
  the chart's own picture (``Chart._render_strips``);
- CPU %: CPU time over wall time, in % of one core: the UI process (with the core thread in
  ``thread`` mode) and, in ``process`` mode, the core's child process beside it;
- time to first frame: from starting the core (spawning the child, or entering ``run_test``
  for the thread) to the first frame composed after the first core state was rendered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The compositor rate the app runs with (set in cockpit/__init__.py); read when textual loads.
os.environ.setdefault("TEXTUAL_FPS", "120")

from textual import events
from textual.screen import Screen

from cockpit.app import make_app
from cockpit.screens.chart import ChartScreen
from core.bootstrap import build_core
from core.client import CoreClient, ThreadedCore
from core.config import load_settings
from core.daemon.embedded import EmbeddedCore
from widgets.chart import Chart

KEY_SETS = {
    "nav": ("2", "3", "j", "k", "4", "5", "j", "k", "tab", "j", "k"),
    "holdings": ("l", "l", "s", "s", "s", "b", "b", "slash", "b", "t", "c", "escape"),
    "chart": ("left", "left", "left", "plus", "minus", "m", "m", "m", "m", "H", "L", "0"),
    # The trader's terminal: the : line (open, type, close), the order ticket, open orders, ?.
    "terminal": (
        "colon",
        "t",
        "h",
        "escape",
        "o",
        "escape",
        "O",
        "escape",
        "question_mark",
        "escape",
    ),
}
"""``chart`` opens the price chart (``c``) first and presses its keys with the chart visible:
crosshair, zoom, the four series modes, pan, follow live."""
"""Each round starts and ends on Holdings; every key changes what the screen shows."""
CHARS = {"tab": "\t", "slash": "/", "escape": "\x1b", "colon": ":", "question_mark": "?"}
KEY_TIMEOUT_S = 2.0


@dataclass
class Run:
    rate: float
    core: str
    first_frame_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    per_key_ms: dict[str, list[float]] = field(default_factory=dict)
    missed: int = 0
    frames: int = 0
    states: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    core_cpu_s: float = 0.0
    keys: str = ""
    """The key set's name."""
    chart_ms: list[float] = field(default_factory=list)
    """Time to draw the chart's picture, per picture drawn (``--keys chart``)."""
    frame_ms: list[float] = field(default_factory=list)
    """Time of each screen update (layout, widgets' lines, compositor)."""


def child_cpu_s(client: CoreClient) -> float:
    """CPU seconds (user + system) used so far by an embedded core's child process."""
    process = getattr(client, "process", None)
    if process is None:
        return 0.0
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(
    rate: float,
    core: str,
    seconds: float,
    interval: float,
    db_dir: Path,
    keys: tuple[str, ...],
    size: tuple[int, int] = (160, 48),
    label: str = "",
) -> Run:
    config = db_dir / f"ui-{label}-{rate:g}-{core}.yaml"
    db = db_dir / f"ui-{label}-{rate:g}-{core}.db"
    config.write_text(f"sim:\n  tick_hz: {rate}\nstore:\n  path: {db}\n", encoding="utf-8")
    settings = load_settings(config)
    # The chart's history needs no seeding: the sim serves candles from before its start.
    start = time.perf_counter()
    client: CoreClient
    if core == "process":
        client = EmbeddedCore(["--config", str(config)], max_hz=settings.ui.fps)
        client.spawn()
    else:
        client = ThreadedCore(lambda: build_core(settings))
    app = make_app(settings, client)
    run = Run(rate, core, keys=label)
    frame_times: list[float] = []
    first_state: list[float] = []
    pending: dict[str, Any] = {}
    first_frame = asyncio.Event()
    key_shown = asyncio.Event()

    display = app._display
    render_state = app.render_state

    def on_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        now = time.perf_counter()
        frame_times.append(now)
        if first_state and not first_frame.is_set():
            first_frame.set()
        if pending and "at" not in pending and pending["done"]():
            pending["at"] = now
            key_shown.set()

    def on_state(state: Any, *, force: bool = False) -> None:
        if not first_state:
            first_state.append(time.perf_counter())
        render_state(state, force=force)

    app._display = on_display  # type: ignore[method-assign]
    app.render_state = on_state  # type: ignore[method-assign]
    draw: Callable[..., Any] = Chart._render_strips

    def timed_draw(chart: Chart, width: int, height: int) -> Any:
        started = time.perf_counter()
        strips = draw(chart, width, height)
        if not chart.depth:
            run.chart_ms.append((time.perf_counter() - started) * 1000)
        return strips

    Chart._render_strips = timed_draw  # type: ignore[method-assign, assignment]
    update: Callable[..., Any] = Screen._on_timer_update

    def timed_update(screen: Screen[Any]) -> None:
        started = time.perf_counter()
        update(screen)
        if measuring:
            run.frame_ms.append((time.perf_counter() - started) * 1000)

    measuring: list[bool] = []
    Screen._on_timer_update = timed_update  # type: ignore[method-assign, assignment]

    if core != "process":
        start = time.perf_counter()
    try:
        async with app.run_test(size=size) as pilot:
            await first_frame.wait()
            run.first_frame_s = frame_times[-1] - start
            # Let start-up work (history, first risk report) settle before measuring.
            await pilot.pause(1.0)
            screen = app.main
            if "m" in keys:  # the chart set: open the chart, wait for its history
                app.post_message(events.Key("c", "c"))
                while not (isinstance(app.screen, ChartScreen) and app.screen.loads):
                    await pilot.pause(0.05)
            chart_screen = app.screen

            def signature() -> tuple[Any, ...]:
                if isinstance(chart_screen, ChartScreen):
                    chart = chart_screen.query_one("#price", Chart)
                    return (chart.cursor, chart.pan_offset, chart.zoom, chart.mode, chart.frames)
                top = app.screen  # a modal or screen a key opened (ticket, orders, help)
                focused = top.focused
                return (
                    screen.active,
                    id(top),
                    id(focused),
                    getattr(focused, "value", None),  # the : line's text
                    getattr(focused, "cursor", None),
                    getattr(focused, "scroll_y", None),
                    str(getattr(focused, "border_subtitle", "")),
                )

            def shown(before: tuple[Any, ...]) -> bool:
                now = signature()
                if isinstance(chart_screen, ChartScreen):  # changed, and drawn since
                    return now[:4] != before[:4] and now[4] > before[4]
                return now != before

            states0, frames0 = app.states_seen, len(frame_times)
            run.chart_ms.clear()
            measuring.append(True)
            wall0, cpu0 = time.perf_counter(), time.process_time()
            core0 = child_cpu_s(client)
            i = 0
            while time.perf_counter() - wall0 < seconds:
                key = keys[i % len(keys)]
                i += 1
                before = signature()
                pending.clear()
                key_shown.clear()
                pending["done"] = lambda before=before: shown(before)
                pressed = time.perf_counter()
                app.post_message(events.Key(key, CHARS.get(key, key)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(key_shown.wait(), KEY_TIMEOUT_S)
                if "at" in pending:
                    run.latencies_ms.append((pending["at"] - pressed) * 1000)
                    run.per_key_ms.setdefault(key, []).append(run.latencies_ms[-1])
                else:
                    run.missed += 1
                pending.clear()
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - pressed)))
            run.wall_s = time.perf_counter() - wall0
            run.cpu_s = time.process_time() - cpu0
            run.core_cpu_s = child_cpu_s(client) - core0
            run.frames = len(frame_times) - frames0
            run.states = app.states_seen - states0
    finally:
        Chart._render_strips = draw  # type: ignore[method-assign]
        Screen._on_timer_update = update  # type: ignore[method-assign]
        await client.stop()
    return run


def report(run: Run) -> None:
    lat = run.latencies_ms
    print(
        f"{run.keys:<8} {run.core:<7} sim {run.rate:>4g} Hz | keys {len(lat):>4} "
        f"(missed {run.missed}) | "
        f"latency p50 {pct(lat, 0.5):6.1f} ms  p99 {pct(lat, 0.99):6.1f} ms  "
        f"max {max(lat):6.1f} ms | frames/s {run.frames / run.wall_s:5.1f}  "
        f"states/s {run.states / run.wall_s:5.1f} | CPU UI {100 * run.cpu_s / run.wall_s:5.1f} % "
        f"core {100 * run.core_cpu_s / run.wall_s:5.1f} % | "
        f"first frame {run.first_frame_s:5.2f} s"
    )
    fms = run.frame_ms
    print(
        f"        frame time ({len(fms)} updates): p50 {pct(fms, 0.5):5.2f} ms  "
        f"p99 {pct(fms, 0.99):5.2f} ms  max {max(fms):5.2f} ms"
    )
    if run.chart_ms:
        ms = run.chart_ms
        print(
            f"        chart pictures {len(ms)}: draw p50 {pct(ms, 0.5):5.2f} ms  "
            f"p99 {pct(ms, 0.99):5.2f} ms  max {max(ms):5.2f} ms"
        )
    print(
        "    per key p50 ms: "
        + "  ".join(f"{k} {pct(v, 0.5):.0f}" for k, v in sorted(run.per_key_ms.items()))
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per rate")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between keys")
    parser.add_argument("--rates", default="10,100", help="sim tick rates (Hz), comma-separated")
    parser.add_argument(
        "--keys",
        default="nav",
        help=f"key sets pressed, comma-separated, each measured in turn: {', '.join(KEY_SETS)}",
    )
    parser.add_argument(
        "--cores", default="process,thread", help="how the core runs: process and/or thread"
    )
    parser.add_argument("--size", default="160x48", help="terminal size, COLSxROWS")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    cores = [c for c in args.cores.split(",") if c]
    if not set(cores) <= {"process", "thread"}:
        parser.error("--cores takes process and/or thread")
    names = [k for k in args.keys.split(",") if k]
    if not names or not set(names) <= set(KEY_SETS):
        parser.error(f"--keys takes {', '.join(KEY_SETS)} (comma-separated)")
    width, height = (int(v) for v in args.size.split("x"))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            for core in cores:
                for rate in rates:
                    run = await measure(
                        rate,
                        core,
                        args.seconds,
                        args.interval,
                        Path(tmp),
                        KEY_SETS[name],
                        (width, height),
                        name,
                    )
                    runs.append(run)
    for name in names:
        print(f"keys {name}: {' '.join(KEY_SETS[name])}")
    for run in runs:
        report(run)
    compare_key_sets(runs, names)
    for core in cores:
        mine = [r for r in runs if r.core == core and r.keys == names[0]]
        if len(mine) >= 2:
            base, fast = mine[0], mine[-1]
            print(
                f"{core}: {fast.rate:g} Hz vs {base.rate:g} Hz: latency p99 x"
                f"{pct(fast.latencies_ms, 0.99) / pct(base.latencies_ms, 0.99):.2f}, "
                f"CPU x{fast.cpu_s / fast.wall_s / (base.cpu_s / base.wall_s):.2f}"
            )
    if len(cores) == 2:
        for rate in rates:
            proc, thread = (
                next(r for r in runs if r.core == c and r.rate == rate and r.keys == names[0])
                for c in cores
            )
            print(
                f"sim {rate:g} Hz, {proc.core} vs {thread.core}: latency p99 x"
                f"{pct(proc.latencies_ms, 0.99) / pct(thread.latencies_ms, 0.99):.2f}, "
                f"p50 x{pct(proc.latencies_ms, 0.5) / pct(thread.latencies_ms, 0.5):.2f}"
            )
    print("(target from issues 2 and 13: keystroke p99 <= 50 ms while the sim streams)")


def compare_key_sets(runs: list[Run], names: list[str]) -> None:
    """Each later key set against the first, same core and rate: latency and frame time."""
    for name in names[1:]:
        for run in (r for r in runs if r.keys == name):
            base = next(
                r for r in runs if (r.keys, r.core, r.rate) == (names[0], run.core, run.rate)
            )
            print(
                f"{name} vs {names[0]} ({run.core}, sim {run.rate:g} Hz): key p99 "
                f"{pct(run.latencies_ms, 0.99):.1f} vs {pct(base.latencies_ms, 0.99):.1f} ms "
                f"(x{pct(run.latencies_ms, 0.99) / pct(base.latencies_ms, 0.99):.2f}); "
                f"frame time p50 {pct(run.frame_ms, 0.5):.2f} vs {pct(base.frame_ms, 0.5):.2f} ms "
                f"(x{pct(run.frame_ms, 0.5) / pct(base.frame_ms, 0.5):.2f}), p99 "
                f"{pct(run.frame_ms, 0.99):.2f} vs {pct(base.frame_ms, 0.99):.2f} ms"
            )


if __name__ == "__main__":
    asyncio.run(main())
