"""Benchmark: importing a large CoinTracking export, time and peak memory (issue 12).

    .venv/bin/python bench/ctimport.py [--mb 50] [--variants 50] [--old-mb 5]

Generates a synthetic "Balance by Exchange" export of ``--mb`` MB in the real format (UTF-8
with BOM, every field quoted, CRLF, no final newline) by cycling the rows of the real export
in ``../shared/data/cointracking`` with each ticker given one of ``--variants`` suffixes (so
the file holds ``306 x variants`` distinct positions, as a large real account might, and rows
repeat as in a long history). Then, each in a fresh process, measured with ``wait4``:

- **cli**: ``cockpit import cointracking FILE --allow-negative --db TMP`` end to end (parse,
  combine, classify, one transaction into a fresh database);
- **parse**: the streaming parser alone (``read_export``) on the same file;
- **old parse** (when ``--old-mb`` > 0 and git can show it): the parser before the hardening
  (commit 59f26de, which read the whole file and kept one model per row) on an ``--old-mb``
  file, with the new parser on that same file beside it, so the ratio is measured in one run.

Prints wall and CPU seconds (CPU time does not depend on how loaded the machine is), peak RSS
(MB) and MB per CPU-second per run. Issue 12's aim: 50 MB in under 60 s and under 500 MB peak.
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
REAL = (
    ROOT.parent
    / "shared"
    / "data"
    / "cointracking"
    / "CoinTracking - Balance by Exchange - 26.08.2025.csv"
)
OLD_COMMIT = "59f26de"


def generate(path: Path, megabytes: float, variants: int) -> int:
    """Write the synthetic export; returns its number of data rows."""
    lines = REAL.read_bytes().decode("utf-8-sig").split("\r\n")
    header, rows = lines[0], [r for r in lines[1:] if r]
    target = int(megabytes * 1_000_000)
    written, count = 0, 0
    with path.open("wb") as out:
        head = ("\ufeff" + header).encode()
        out.write(head)
        written += len(head)
        while written < target:
            row = rows[count % len(rows)]
            cells = row.split('","')
            cells[1] = f"{cells[1]}V{(count // len(rows)) % variants}"
            line = ("\r\n" + '","'.join(cells)).encode()
            out.write(line)
            written += len(line)
            count += 1
    return count


def measure(code: str, *args: str) -> tuple[float, float, float]:
    """Run ``code`` in a fresh interpreter; (wall seconds, CPU seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({proc.returncode}): {code[:60]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: KiB


CLI = (
    "import sys; from cockpit.cli import main; "
    "sys.exit(main(['import', 'cointracking', sys.argv[1], '--allow-negative', "
    "'--db', sys.argv[2], '--as-of', '2025-08-26']))"
)
PARSE = (
    "import sys; from pathlib import Path; from core.portfolio.ctparse import read_export; "
    "read_export(Path(sys.argv[1]), allow_negative=True)"
)
OLD_PARSE = (
    "import sys, importlib.util; from pathlib import Path; "
    "spec = importlib.util.spec_from_file_location('old_ctparse', sys.argv[2]); "
    "mod = importlib.util.module_from_spec(spec); sys.modules['old_ctparse'] = mod; "
    "spec.loader.exec_module(mod); "
    "mod.parse_export(Path(sys.argv[1]).read_bytes(), sys.argv[1])"
)


def report(name: str, size_mb: float, seconds: float, cpu: float, peak: float) -> None:
    print(
        f"{name:<28} {size_mb:6.1f} MB  {seconds:7.2f} s wall  {cpu:7.2f} s CPU  "
        f"peak {peak:7.1f} MB  {size_mb / cpu:6.2f} MB/CPU-s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--variants", type=int, default=50)
    parser.add_argument("--old-mb", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.csv"
        rows = generate(big, args.mb, args.variants)
        size = big.stat().st_size / 1e6
        print(f"synthetic export: {size:.1f} MB, {rows:,} rows, {306 * args.variants:,} positions")
        seconds, cpu, peak = measure("import cockpit.cli")
        print(
            f"{'interpreter + imports':<28} {'':>9}  {seconds:7.2f} s wall  {cpu:7.2f} s CPU  "
            f"peak {peak:7.1f} MB"
        )
        report("parse (streaming)", size, *measure(PARSE, str(big)))
        report("cli import into a fresh db", size, *measure(CLI, str(big), str(Path(tmp) / "a.db")))
        if args.old_mb > 0:
            shown = subprocess.run(
                ["git", "show", f"{OLD_COMMIT}:core/portfolio/ctparse.py"],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if shown.returncode != 0:
                print(f"old parser: git show {OLD_COMMIT} failed, skipped")
                return
            old_src = Path(tmp) / "old_ctparse.py"
            old_src.write_text(shown.stdout, encoding="utf-8")
            small = Path(tmp) / "small.csv"
            generate(small, args.old_mb, args.variants)
            small_mb = small.stat().st_size / 1e6
            old = measure(OLD_PARSE, str(small), str(old_src))
            new = measure(PARSE, str(small))
            report(f"old parse ({OLD_COMMIT})", small_mb, *old)
            report("new parse, same file", small_mb, *new)
            print(f"old/new: CPU x{old[1] / new[1]:.1f}, peak memory x{old[2] / new[2]:.1f}")


if __name__ == "__main__":
    main()
