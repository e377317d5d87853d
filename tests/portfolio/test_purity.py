"""The portfolio logic is pure: importing it pulls in no UI, network or database library."""

from __future__ import annotations

import subprocess
import sys

MODULES = (
    "taxonomy",
    "heuristics",
    "locations",
    "ctparse",
    "ctimport",
    "pricing",
    "valuation",
    "costbasis",
    "holdings",
)
FORBIDDEN = ("textual", "rich", "cockpit", "widgets", "aiosqlite", "ccxt", "websockets")


def test_core_portfolio_imports_no_io_or_ui_library() -> None:
    code = (
        "import sys\n"
        + "".join(f"import core.portfolio.{m}\n" for m in MODULES)
        + f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
