"""Benchmark: how fast an attach shows the daemon's current state.

    /work/venv/bin/python bench/attach.py [--clients 20] [--apps 3]

Starts ``cockpit daemon`` on the sim (database in a temporary dir), then measures:

- protocol: connect + hello + subscribe until the first full state is decoded
  (``RemoteCore.first_state_s``), over ``--clients`` sequential attaches;
- app: ``make_app`` with a ``RemoteCore`` headless (``App.run_test``) from app start to the
  holdings pane rendered, ``--apps`` times;
- terminal: ``cockpit attach`` in a 120×40 pseudo-terminal from process start (Python and
  Textual start-up included) until the holdings rows are on screen, ``--apps`` times.

The in-process peer (plain ``cockpit``, which must start its own core) is measured the same way
in the terminal, for the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ptyterm import run_in_pty  # noqa: E402
from cockpit.app import make_app  # noqa: E402
from core.config import Settings  # noqa: E402
from core.daemon.protocol import Role  # noqa: E402
from core.daemon.remote import RemoteCore  # noqa: E402
from widgets.holdings_table import HoldingsTable  # noqa: E402

HOLDINGS_ROW = "▸ BTC".encode()


async def protocol_latency(sock: Path, n: int) -> list[float]:
    out = []
    for _ in range(n):
        client = RemoteCore(sock, role=Role.OBSERVER)
        await client.start()
        assert client.first_state_s is not None
        out.append(client.first_state_s)
        await client.stop()
    return out


async def app_latency(settings: Settings, sock: Path, n: int) -> list[float]:
    out = []
    for _ in range(n):
        client = RemoteCore(sock, role=Role.OBSERVER)
        app = make_app(settings, client)
        started = time.perf_counter()
        async with app.run_test(size=(120, 40)) as pilot:
            while app.states_seen < 1 or app.main.query_one(HoldingsTable).view is None:
                await pilot.pause(0.005)
            out.append(time.perf_counter() - started)
            await app.action_quit()
        await client.stop()
    return out


def terminal_latency(argv: list[str], n: int) -> list[float]:
    out = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(n):
        seen: list[float] = []

        def until(run: object, elapsed: float, seen: list[float] = seen) -> bool:
            if HOLDINGS_ROW in run.output:  # type: ignore[attr-defined]
                seen.append(elapsed)
                return True
            return False

        run_in_pty(argv, cols=120, rows=40, until=until, env=env, cwd=ROOT, limit_s=60)
        out.append(seen[0])
    return out


def show(name: str, values: list[float]) -> None:
    print(
        f"{name:44} p50 {statistics.median(values) * 1000:8.1f} ms   "
        f"max {max(values) * 1000:8.1f} ms   (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--apps", type=int, default=3)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.db"
        sock = Path(tmp) / "cockpit.sock"
        daemon = subprocess.Popen(
            [py, "-m", "cockpit", "daemon", "--db", str(db)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not sock.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            settings = Settings.model_validate({"store": {"path": str(db)}})
            show(
                "protocol: connect to first full state",
                asyncio.run(protocol_latency(sock, args.clients)),
            )
            show(
                "app (headless): start to holdings rendered",
                asyncio.run(app_latency(settings, sock, args.apps)),
            )
            attach = terminal_latency([py, "-m", "cockpit", "attach", "--db", str(db)], args.apps)
            show("terminal: 'cockpit attach' to holdings shown", attach)
        finally:
            daemon.terminate()
            daemon.wait(timeout=10)
        local = terminal_latency([py, "-m", "cockpit", "--db", str(Path(tmp) / "l.db")], args.apps)
        show("terminal: plain 'cockpit' to holdings shown", local)
        print(
            f"ratio attach/in-process (terminal p50): "
            f"{statistics.median(attach) / statistics.median(local):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
