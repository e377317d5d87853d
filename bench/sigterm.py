"""Benchmark: SIGTERM to a real daemon with two clients attached, many times in a row.

    .venv/bin/python bench/sigterm.py [--runs 20]

Each run starts ``cockpit daemon`` on the sim (a fresh database in a temporary directory),
attaches an operator and an observer (``RemoteCore``), sends SIGTERM and measures the time
to exit. A run passes when the exit code is 0, both clients heard ``bye``, the session's end
is recorded and stderr holds no traceback, ``CancelledError`` or ERROR line. Prints each run
and a summary; exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.daemon.test_stop import sigterm_with_two_clients  # noqa: E402


def problems(stderr: list[str]) -> list[str]:
    bad = ("Traceback", "CancelledError", '"level": "ERROR"', '"level": "CRITICAL"')
    return [line for line in stderr if any(b in line for b in bad)]


async def main(runs: int) -> int:
    times: list[float] = []
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            where = Path(tmp) / f"run{run}"
            where.mkdir()
            code, elapsed, byes, stderr = await sigterm_with_two_clients(where)
            with sqlite3.connect(where / "cockpit.db") as conn:
                ended = conn.execute("SELECT ended_ns FROM sessions").fetchone()[0] is not None
            bad = problems(stderr)
            ok = code == 0 and len(byes) == 2 and ended and not bad
            failed += not ok
            times.append(elapsed)
            print(
                f"run {run + 1:2d}: exit {code}, {elapsed:.2f} s, byes {len(byes)}, "
                f"session end {'recorded' if ended else 'MISSING'}, "
                f"bad log lines {len(bad)}{'' if ok else '  FAILED'}"
            )
            for line in bad[:3]:
                print("    ", line[:200])
    print(
        f"\n{runs} SIGTERMs with two clients attached: {runs - failed} clean; exit time "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    sys.exit(asyncio.run(main(parser.parse_args().runs)))
