"""Benchmark: bytes per second the TUI writes to a 120×40 terminal, default vs low-bandwidth.

    /work/venv/bin/python bench/bandwidth.py [--seconds 10] [--cols 120] [--rows 40]

Each mode runs the real CLI (``python -m cockpit --seed 1``, its core process on the sim,
database in a temporary dir) in a pseudo-terminal of the given size, waits until the whole
screen is drawn (book integrity badge and risk pane visible), then counts the bytes written to
the terminal over ``--seconds``. That is what an SSH session would carry (before compression).
Prints bytes/s per mode and the ratio low-bandwidth / default (the target is ≤ 1/3), plus the
same for ``cockpit attach`` to a daemon, which renders exactly like plain ``cockpit``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ptyterm import run_in_pty  # noqa: E402


def measure(argv: list[str], cols: int, rows: int, seconds: float) -> tuple[float, float]:
    """(bytes/s over the window, seconds until the screen was fully drawn)."""
    ready: list[float] = []

    def until(run: object, elapsed: float) -> bool:
        output = run.output  # type: ignore[attr-defined]
        if not ready:
            if b"verified" in output and b"Volatility" in output:
                ready.append(elapsed)
            return False
        return elapsed >= ready[0] + seconds

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = run_in_pty(argv, cols=cols, rows=rows, until=until, env=env, cwd=ROOT, limit_s=120)
    start = ready[0]
    return run.bytes_between(start, start + seconds) / seconds, start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--no-attach", action="store_true", help="skip the daemon/attach run")
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        results: dict[str, float] = {}
        for name, extra in (("default", []), ("low-bandwidth", ["--low-bandwidth"])):
            db = Path(tmp) / f"{name}.db"
            rate, first = measure(
                [py, "-m", "cockpit", "--db", str(db), "--seed", "1", *extra],
                args.cols,
                args.rows,
                args.seconds,
            )
            results[name] = rate
            print(
                f"cockpit    {name:14} {rate / 1024:8.1f} KiB/s  ({rate:,.0f} B/s; "
                f"full screen after {first:.2f}s)"
            )
        ratio = results["low-bandwidth"] / results["default"]
        print(f"ratio low-bandwidth/default: {ratio:.3f} (target <= 0.333)")
        if not args.no_attach:
            db = Path(tmp) / "daemon.db"
            daemon = subprocess.Popen(
                [py, "-m", "cockpit", "daemon", "--db", str(db), "--seed", "1"],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stderr=subprocess.DEVNULL,
            )
            try:
                sock = db.parent / "cockpit.sock"
                deadline = time.monotonic() + 60
                while not sock.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                attach: dict[str, float] = {}
                for name, extra in (("default", []), ("low-bandwidth", ["--low-bandwidth"])):
                    rate, first = measure(
                        [py, "-m", "cockpit", "attach", "--db", str(db), *extra],
                        args.cols,
                        args.rows,
                        args.seconds,
                    )
                    attach[name] = rate
                    print(
                        f"attach     {name:14} {rate / 1024:8.1f} KiB/s  ({rate:,.0f} B/s; "
                        f"full screen after {first:.2f}s incl. Python start-up)"
                    )
                print(
                    "attach ratio low-bandwidth/default: "
                    f"{attach['low-bandwidth'] / attach['default']:.3f}"
                )
            finally:
                daemon.terminate()
                daemon.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
