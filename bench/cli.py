"""Benchmark: read-only CLI commands, read-only on the database and through a running core.

    .venv/bin/python bench/cli.py [--runs 5]

Populates a database in a temporary dir (one headless ``execute-plan`` on the sim), then times
each command as a user runs it (a fresh ``cockpit`` process, Python start-up included):

- without a core holding the database: the database opened read-only (``order list``,
  ``holdings``, ``log``), and ``book`` from the venue's own feed;
- with ``cockpit daemon`` holding it: the same commands answered by the daemon over its socket.

Prints the median and the worst of ``--runs`` runs per command, in seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--version",),  # the floor: Python and cockpit start-up alone
    ("order", "list", "--all", "--json"),
    ("holdings", "--json"),
    ("log", "--json", "-n", "100"),
    ("book", "sim-a", "BTC/USDT", "--json"),
)


def cockpit(db: Path, *argv: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cockpit", "--db", str(db), *argv],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure(db: Path, runs: int, label: str) -> None:
    for argv in COMMANDS:
        times = [cockpit(db, *argv) for _ in range(runs)]
        print(
            f"{label:<10} {' '.join(argv):<36} median {statistics.median(times):6.3f} s"
            f"   max {max(times):6.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cockpit.db"
        cockpit(db, "execute-plan", "--yes")
        measure(db, args.runs, "read-only")
        daemon = subprocess.Popen(
            [sys.executable, "-m", "cockpit", "daemon", "--db", str(db)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ},
        )
        try:
            assert daemon.stderr is not None
            for line in daemon.stderr:  # JSON log lines; wait for "daemon ready"
                if b"daemon ready" in line:
                    break
            measure(db, args.runs, "daemon")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)


if __name__ == "__main__":
    main()
