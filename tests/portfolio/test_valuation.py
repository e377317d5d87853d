"""Breakdowns of the real imported portfolio add up exactly; display rounding keeps it so."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config import GROUPS
from core.models import Holding, Price, PriceSource
from core.portfolio.ctimport import CtImport, build_import
from core.portfolio.ctparse import parse_export
from core.portfolio.locations import LocationRegistry
from core.portfolio.taxonomy import default_taxonomy
from core.portfolio.valuation import (
    CENT,
    allocate_cents,
    breakdown,
    exact_sum,
    exact_value,
    reprice,
)
from tests.portfolio.ctfiles import BALANCE_BY_EXCHANGE, CURRENT_BALANCE

AS_OF = datetime(2025, 8, 26, tzinfo=UTC)


def _import(ct_dir: Path, *names: str) -> CtImport:
    exports = [parse_export((ct_dir / n).read_bytes(), n, allow_negative=True) for n in names]
    return build_import(
        exports, registry=LocationRegistry(), taxonomy=default_taxonomy(), as_of=AS_OF
    )


@pytest.mark.parametrize("by", ["group", "location", "asset"])
def test_breakdowns_add_up_exactly(ct_dir: Path, by: str) -> None:
    imp = _import(ct_dir, BALANCE_BY_EXCHANGE, CURRENT_BALANCE)
    result = breakdown(imp.holdings, by, dust_usd=Decimal(1))  # type: ignore[arg-type]
    assert exact_sum(r.value for r in result.rows) == result.visible
    assert exact_sum((result.visible, result.hidden)) == result.total
    assert result.total == exact_sum(exact_value(h) for h in imp.holdings)
    assert abs(result.total - Decimal("420900.77")) <= CENT  # the Current Balance file's total
    assert result.hidden_count > 500 and abs(result.hidden) < 100
    assert sum(r.holdings for r in result.rows) + result.hidden_count == len(imp.holdings)
    assert abs(sum((r.weight for r in result.rows), Decimal(0)) - 1) < Decimal("1e-20")


def test_group_breakdown_follows_the_taxonomy_order(ct_dir: Path) -> None:
    result = breakdown(_import(ct_dir, CURRENT_BALANCE).holdings, "group", Decimal(1))
    keys = [r.key for r in result.rows]
    assert keys == [g for g in GROUPS if g in keys]
    assert len(keys) == 11
    values = {r.key: r.value for r in result.rows}
    assert values["BTC"] > values["ETH"] > values["SOL"] > 0
    # BTC group = BTC + tBTC (+ WBTC), from the same file
    export = parse_export(
        (ct_dir / CURRENT_BALANCE).read_bytes(), CURRENT_BALANCE, allow_negative=True
    )
    btc_rows = [r.value_usd for r in export.assets if r.ticker in ("BTC", "TBTC", "WBTC")]
    # equal up to the 28-digit precision of the per-asset import prices
    assert abs(values["BTC"] - exact_sum(v for v in btc_rows if abs(v) >= 1)) < Decimal("1e-20")


def test_location_breakdown_of_the_per_exchange_file(ct_dir: Path) -> None:
    result = breakdown(_import(ct_dir, BALANCE_BY_EXCHANGE).holdings, "location")
    assert len(result.rows) == 31  # every label mapped; OKX and Okex are one location
    assert result.hidden_count == 0 and result.total == result.visible
    assert result.rows[0].value >= result.rows[-1].value


def test_by_asset_rows_carry_qty_and_price(ct_dir: Path) -> None:
    result = breakdown(_import(ct_dir, BALANCE_BY_EXCHANGE).holdings, "asset", Decimal(1))
    btc = next(r for r in result.rows if r.key == "BTC")
    assert btc.qty is not None and btc.price is not None
    assert btc.price.source is PriceSource.IMPORT
    assert result.rows[0].key == "BTC"


def test_stale_and_unpriced_are_listed_and_reprice_replaces() -> None:
    ts = AS_OF
    holdings = [
        Holding(
            asset="USDT",
            location_id="kraken:spot",
            qty=Decimal(100),
            group="Stablecoins",
            price=Price(asset="USDT", value=None, source=PriceSource.NONE),
        ),
        Holding(
            asset="BTC",
            location_id="kraken:spot",
            qty=Decimal("0.5"),
            group="BTC",
            price=Price(
                asset="BTC", value=Decimal(60000), source=PriceSource.CACHED, ts=ts, stale=True
            ),
        ),
    ]
    result = breakdown(holdings, "group")
    assert result.unpriced == ("USDT",) and result.stale == ("BTC",)
    assert result.total == 30000
    fresh = {
        "USDT": Price(asset="USDT", value=Decimal("0.9991"), source=PriceSource.BOOK_MID, ts=ts)
    }
    again = breakdown(reprice(holdings, fresh), "group")
    assert again.total == Decimal("30099.91") and again.unpriced == ()


def test_negative_dust_is_hidden_by_absolute_value() -> None:
    price = Price(asset="X", value=Decimal(2), source=PriceSource.IMPORT)
    holdings = [
        Holding(asset="X", location_id="a", qty=Decimal("-0.4"), group="Others", price=price),
        Holding(asset="X", location_id="b", qty=Decimal(-3), group="Others", price=price),
    ]
    result = breakdown(holdings, "location", Decimal(1))
    assert [r.key for r in result.rows] == ["b"] and result.hidden == Decimal("-0.8")


def test_allocate_cents_on_the_real_group_values(ct_dir: Path) -> None:
    result = breakdown(_import(ct_dir, CURRENT_BALANCE).holdings, "group", Decimal(1))
    rounded = allocate_cents([r.value for r in result.rows])
    assert sum(rounded) == result.visible.quantize(CENT)
    assert all(abs(a - r.value) < CENT for a, r in zip(rounded, result.rows, strict=True))


@given(st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=8), max_size=40))
def test_allocate_cents_always_sums(values: list[Decimal]) -> None:
    rounded = allocate_cents(values)
    assert sum(rounded, Decimal(0)) == exact_sum(values).quantize(CENT)
    assert all(abs(a - v) < CENT for a, v in zip(rounded, values, strict=True))
