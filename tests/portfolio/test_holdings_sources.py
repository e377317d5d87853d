"""Combining live balances, imports and manual positions; snapshots that add up."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from core.config import ManualPosition
from core.models import Balance, PriceSource
from core.portfolio.ctimport import build_import
from core.portfolio.ctparse import parse_export
from core.portfolio.holdings import (
    combine,
    holdings_from_balances,
    manual_holdings,
    snapshot,
)
from core.portfolio.locations import LocationRegistry
from core.portfolio.taxonomy import default_taxonomy
from core.portfolio.valuation import exact_sum
from tests.portfolio.ctfiles import BALANCE_BY_EXCHANGE

AS_OF = datetime(2025, 8, 26, tzinfo=UTC)
NOW = datetime(2025, 8, 27, 9, 30, tzinfo=UTC)


def test_live_balances_replace_the_import_at_their_location(ct_dir: Path) -> None:
    tax = default_taxonomy()
    export = parse_export((ct_dir / BALANCE_BY_EXCHANGE).read_bytes(), "x.csv", allow_negative=True)
    imported = build_import([export], registry=LocationRegistry(), taxonomy=tax, as_of=AS_OF)
    kraken_before = [h for h in imported.holdings if h.location_id == "kraken:spot"]
    assert len(kraken_before) > 20
    live = holdings_from_balances(
        [
            Balance(
                location_id="kraken:spot",
                asset="BTC",
                total=Decimal("0.25"),
                free=Decimal("0.25"),
                ts=NOW,
            ),
            Balance(
                location_id="kraken:spot", asset="SOL2", total=Decimal(3), free=Decimal(3), ts=NOW
            ),
            Balance(
                location_id="kraken:spot", asset="DOGE", total=Decimal(0), free=Decimal(0), ts=NOW
            ),
        ],
        tax,
    )
    manual = manual_holdings(
        [ManualPosition(asset="XMR", qty=Decimal(2)), ManualPosition(asset="ETH", qty=Decimal(0))],
        tax,
        NOW,
    )
    combined = combine(imported.holdings, live, manual)
    at_kraken = [h for h in combined if h.location_id == "kraken:spot"]
    assert {(h.asset, h.qty, h.source) for h in at_kraken} == {
        ("BTC", Decimal("0.25"), "venue"),
        ("SOL", Decimal(3), "venue"),
    }
    assert [(h.asset, h.location_id, h.group) for h in manual] == [
        ("XMR", "manual", "L1/L0 majors")
    ]
    others = [h for h in combined if h.location_id != "kraken:spot" and h.source != "manual"]
    assert len(others) == len(imported.holdings) - len(kraken_before)
    assert all(h.price.source is PriceSource.NONE for h in (*live, *manual))


def test_snapshot_totals_add_up(ct_dir: Path) -> None:
    export = parse_export((ct_dir / BALANCE_BY_EXCHANGE).read_bytes(), "x.csv", allow_negative=True)
    tax = default_taxonomy()
    imported = build_import([export], registry=LocationRegistry(), taxonomy=tax, as_of=AS_OF)
    snap = snapshot(imported.holdings, AS_OF, tax.version)
    assert exact_sum(snap.by_group.values()) == snap.total_usd
    assert exact_sum(snap.by_location.values()) == snap.total_usd
    assert abs(snap.total_usd - export.total_usd) <= Decimal("0.01")
    assert len(snap.by_location) == 31 and snap.taxonomy_version == tax.version
