"""One portfolio in every view: the real CoinTracking export and real daily closes imported
into a fresh database, then the TUI (``make_app`` on a real core) and the CLI read it.

The simulated market is held still (no steps), so a book mid is the same number whenever it
is read: the TUI's valuation and the CLI's (from the price cache the core stored) can then be
compared to the cent, as a person comparing the two views would.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import main
from core.config import Settings
from core.models import Holding, utcnow
from core.portfolio.stored import stored_portfolio
from core.portfolio.valuation import exact_sum, exact_value
from core.risk.inputs import CASH
from core.sim.world import SimWorld
from core.store.db import Store
from core.views import HoldingRow
from tests.app.conftest import press, running_app, wait_until
from tests.portfolio.prices import write_wide_prices
from widgets.holdings_table import HoldingsTable
from widgets.line_pane import LinePane
from widgets.risk_panel import RiskPanel

EXPORT = "CoinTracking - Balance by Exchange - 26.08.2025.csv"
CT_TOTAL = Decimal("420893.96")
"""The export's own total (the sum of its USD column)."""


def lines(pane: LinePane) -> list[str]:
    return [pane.line_text(i) for i in range(pane.line_count)]


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert main(list(args)) == 0
    out = capsys.readouterr().out
    return json.loads(out[out.index("{") :])


async def cli_json_async(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """:func:`cli_json` from a test's event loop (the CLI runs its own, in a thread)."""
    return await asyncio.to_thread(cli_json, capsys, *args)


@pytest.fixture
def imported_db(tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A fresh database holding the real export and a wide CSV of real daily closes."""
    db = tmp_path / "real.db"
    export = shared_data / "cointracking" / EXPORT
    # The real export holds CoinTracking's negative dust balances: kept, as a user would.
    args = ["import", "cointracking", str(export), "--allow-negative", "--db", str(db)]
    assert main(args) == 0
    prices = write_wide_prices(shared_data, tmp_path / "prices.csv")
    summary = cli_json(capsys, "import", "prices", str(prices), "--db", str(db), "--json")
    assert summary["assets"]["BTC"]["days"] > 365
    return db


@pytest.fixture
def still_market(monkeypatch: pytest.MonkeyPatch) -> None:
    """No simulated steps: books and mids stay where the world built them."""
    monkeypatch.setattr(SimWorld, "due_steps", lambda self, now=None: 0)
    monkeypatch.setattr(SimWorld, "seconds_to_next_step", lambda self, now=None: 0.25)


def test_cli_reports_on_the_imported_portfolio_with_coverage(
    imported_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without any cockpit session: holdings are the import (its total to the cent) and risk
    reports on them, with each held asset's stored history."""
    held = cli_json(capsys, "holdings", "--db", str(imported_db), "--all", "--json")
    assert Decimal(held["total"]).quantize(Decimal("0.01")) == CT_TOTAL
    report = cli_json(capsys, "risk", "--db", str(imported_db), "--json")
    assert report["n_observations"] > 300
    history = {h["symbol"]: h for h in report["coverage"]["history"]}
    btc = history["BTC"]
    assert btc["source"] == "import" and btc["days"] > 365 and btc["last"] >= "2025-08-01"
    # Every weighted asset but cash is listed, with or without history.
    assert {a["symbol"] for a in report["assets"]} - CASH == set(history)
    assert any(h["days"] == 0 and h["first"] is None for h in history.values())
    weights = {a["symbol"]: a["weight"] for a in report["assets"]}
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["BTC"] > 0.05


async def test_tui_and_cli_show_the_same_merged_portfolio(
    imported_db: Path, still_market: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default sim runs beside the import: its synthetic prices value the demo's own
    balances only; the imported rows keep the real valuation the CLI gives them (issue 11)."""
    db = str(imported_db)
    before = await cli_json_async(capsys, "holdings", "--db", db, "--all", "--json")
    settings = Settings.model_validate({"store": {"path": str(imported_db)}})
    async with running_app(settings) as (app, pilot):
        table = app.main.query_one(HoldingsTable)
        risk = app.main.query_one(RiskPanel)
        await wait_until(
            pilot,
            lambda: (
                table.view is not None
                and any(r.imported for r in table.view.rows)
                and risk.view is not None
                and bool(risk.view.report.coverage.history)
            ),
            "the imported holdings and a risk report on them",
        )
        view = table.view
        assert view is not None
        # The pane: imported rows with their badge and age, cold wallets marked, the total to
        # the cent, and a line naming the sources (the import with its age).
        text = lines(table)
        assert any(" imp" in line and line.rstrip().endswith("⊘") for line in text)
        total_line = next(line for line in text if line.startswith("Total"))
        assert f"${view.total:,.2f}" in total_line
        assert any(line.startswith("· from ") and "cointracking" in line for line in text)
        # Paper mode: the rows are the paper accounts (what trades); the real accounts behind
        # them are listed apart, labelled, and not in the total.
        assert {s.source for s in view.real} == {"sim-a", "sim-b"}
        assert any(line.startswith("· real, not traded (rows are paper)") for line in text)
        await press(pilot, "l")  # per location: the cold-wallet rows of the import
        text = lines(table)
        cold = [line for line in text if "ledger:cold" in line or "trezor:cold" in line]
        assert cold and all(line.rstrip().endswith("⊘") for line in cold), cold
        wide = [line for line in text if len(line) > table.scrollable_content_region.width]
        assert not wide, wide
        # The risk pane reports on the merged portfolio: the import's assets weigh in, and
        # it says how much history they have (coverage per asset in the report).
        assert risk.view is not None
        report = risk.view.report
        assert {r.asset for r in view.rows if r.imported and r.value > 0} <= {
            a.symbol for a in report.assets
        }
        have = [h for h in report.coverage.history if h.days]
        assert f"history {len(have)}/{len(report.coverage.history)}" in lines(risk)
        # Real risk history for real holdings: the import's closes, not the simulator's.
        btc = next(h for h in report.coverage.history if h.symbol == "BTC")
        assert btc.source == "import", btc
        # The imported rows: valued as `cockpit holdings --db FILE --all` values them, to the
        # cent, never at the simulator's prices; the demo's rows are priced by the sim.
        imported = [r for r in view.rows if r.imported]
        assert all(
            r.price.value is None or "sim-" not in (r.price.detail or "") for r in imported
        ), [r.price for r in imported if "sim-" in (r.price.detail or "")]
        imported_total = exact_sum(r.value for r in imported)
        assert imported_total.quantize(CENT) == Decimal(before["total"]).quantize(CENT)
        assert imported_total.quantize(CENT) == CT_TOTAL
        # A 24 h change compares a row's own price with its own kind's close of a day ago:
        # an import's prices are days old, so its rows show none (they once showed the sim's
        # BTC against the real close, -61 %, and the day P&L summed it).
        stale = [r for r in imported if r.price.stale]
        assert stale and all(r.change_24h is None for r in stale), [
            (r.asset, r.change_24h) for r in stale if r.change_24h is not None
        ]
        demo = [r for r in view.rows if not r.imported and r.asset == "BTC"]
        assert demo and all("sim-" in (r.price.detail or "") for r in demo), demo
        assert view.total == exact_sum(
            (imported_total, *(r.value for r in view.rows if not r.imported))
        )
        tui_imported = imported_rows(view.rows)
    # The same database read after the session: the imported rows keep the same values (the
    # session left no synthetic price behind to value them with).
    after = await asyncio.to_thread(stored_imported, imported_db)
    assert after == tui_imported
    held = await cli_json_async(capsys, "holdings", "--db", db, "--all", "--by", "asset", "--json")
    assert {r["key"] for r in held["rows"]} >= {asset for asset, _ in tui_imported}
    # No sim-sourced price in the database's price cache: with no real venue connected, the
    # session had no real market price to remember at all.
    assert cached_prices(imported_db) == []


CENT = Decimal("0.01")


def imported_rows(rows: Iterable[HoldingRow]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(asset, location) -> (qty, value) of the imported rows, summed exactly."""
    out: dict[tuple[str, str], tuple[Decimal, Decimal]] = defaultdict(
        lambda: (Decimal(0), Decimal(0))
    )
    for r in rows:
        if r.imported:
            q, v = out[(r.asset, r.location_id)]
            out[(r.asset, r.location_id)] = (exact_sum((q, r.qty)), exact_sum((v, r.value)))
    return dict(out)


def stored_imported(db: Path) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """The imported rows of the database's merged portfolio as a later command values them."""
    settings = Settings.model_validate({"store": {"path": str(db)}})

    async def read() -> list[Holding]:
        store = await Store.open_readonly(db)
        try:
            return (await stored_portfolio(store, settings, utcnow())).holdings
        finally:
            await store.close()

    holdings = asyncio.run(read())
    sources = {h.source for h in holdings if h.source.startswith("cointracking")}
    assert sources, {h.source for h in holdings}
    return imported_rows(
        HoldingRow(
            asset=h.asset,
            group=h.group,
            location_id=h.location_id,
            tradable=False,
            qty=h.qty,
            price=h.price,
            value=exact_value(h),
            weight=0.0,
            source=h.source,
            imported=h.source in sources,
        )
        for h in holdings
    )


def cached_prices(db: Path) -> list[tuple[str, str]]:
    """Every (asset, payload) of the database's price cache."""
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        return sorted(conn.execute("SELECT asset, payload FROM price_cache"))
