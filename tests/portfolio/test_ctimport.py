"""Importing the three real CoinTracking exports: they must describe the same portfolio."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import pytest

from core.errors import DataError
from core.models import PriceSource
from core.portfolio.ctimport import CtImport, build_import, date_in_name
from core.portfolio.ctparse import CtExport, parse_export, parse_rows
from core.portfolio.locations import MANUAL_ID, UNASSIGNED_ID, LocationRegistry
from core.portfolio.taxonomy import default_taxonomy
from tests.portfolio.ctfiles import (
    ALL_EXPORTS,
    BALANCE_BY_EXCHANGE,
    COINS_BY_EXCHANGE,
    CURRENT_BALANCE,
)

AS_OF = datetime(2025, 8, 26, tzinfo=UTC)
CENT = Decimal("0.01")


def _parse(ct_dir: Path, name: str) -> CtExport:
    return parse_export((ct_dir / name).read_bytes(), name, allow_negative=True)


def _import(*exports: CtExport) -> CtImport:
    return build_import(
        exports, registry=LocationRegistry(), taxonomy=default_taxonomy(), as_of=AS_OF
    )


def _per_asset(imp: CtImport) -> dict[str, tuple[Decimal, Decimal]]:
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    values: dict[str, Decimal] = defaultdict(Decimal)
    for h in imp.holdings:
        amounts[h.asset] += h.qty
        values[h.asset] += h.value
    return {a: (amounts[a], values[a]) for a in amounts}


@pytest.mark.parametrize("name", ALL_EXPORTS)
def test_each_import_adds_up_to_its_files_own_total(ct_dir: Path, name: str) -> None:
    export = _parse(ct_dir, name)
    imp = _import(export)
    assert abs(imp.total_usd - export.total_usd) <= CENT
    assert imp.files[0].total_usd == export.total_usd
    assert imp.unmapped_labels == ()
    assert all(h.price.source in (PriceSource.IMPORT, PriceSource.NONE) for h in imp.holdings)
    assert all(h.as_of == AS_OF and h.source == "cointracking" for h in imp.holdings)


def test_the_three_files_hold_the_same_coins_worth_a_dollar(ct_dir: Path) -> None:
    """For every coin worth >= $1 in any file, every file gives the same amount to within a
    cent of its value."""
    imports = {name: _per_asset(_import(_parse(ct_dir, name))) for name in ALL_EXPORTS}
    worth = {
        asset
        for assets in imports.values()
        for asset, (_, value) in assets.items()
        if abs(value) >= 1
    }
    assert len(worth) >= 180
    for (name_a, a), (name_b, b) in combinations(imports.items(), 2):
        for asset in sorted(worth):
            amount_a, value_a = a.get(asset, (Decimal(0), Decimal(0)))
            amount_b, value_b = b.get(asset, (Decimal(0), Decimal(0)))
            amount, value = (amount_a, value_a) if amount_a else (amount_b, value_b)
            price = abs(value / amount) if amount else Decimal(0)
            gap = abs(amount_a - amount_b) * price
            assert gap <= CENT, (asset, name_a, amount_a, name_b, amount_b, gap)
    btc = [assets["BTC"][0] for assets in imports.values()]
    assert max(btc) - min(btc) <= Decimal("0.00000001")  # a dust-sized remainder, as exported


def test_current_balance_keeps_worthless_tokens_out_of_the_way(ct_dir: Path) -> None:
    export = _parse(ct_dir, CURRENT_BALANCE)
    imp = _import(export)
    rows = parse_rows((ct_dir / CURRENT_BALANCE).read_bytes(), CURRENT_BALANCE)
    zero_rows = sum(1 for r in rows if not r.amount)
    assert imp.files[0].zero_rows == zero_rows > 100
    # every non-zero row is kept (rows sharing a market symbol merge: LUNA2 + LUNC, ...)
    symbols = {default_taxonomy().cointracking_symbol(r.ticker) for r in rows if r.amount}
    assert {h.asset for h in imp.holdings} == symbols
    assert all(h.location_id == UNASSIGNED_ID for h in imp.holdings)
    tiny = [h for h in imp.holdings if abs(h.value) < 1]
    assert len(tiny) > 550  # the long tail: there, but under the default dust threshold
    assert "WSG" in imp.dead and "C" in imp.dead
    unpriced = [h for h in imp.holdings if h.price.value is None]
    assert unpriced and all(h.price.source is PriceSource.NONE for h in unpriced)


def test_suffixes_and_shadowed_tickers_in_the_import(ct_dir: Path) -> None:
    export = _parse(ct_dir, CURRENT_BALANCE)
    assets = _per_asset(_import(export))
    # LUNA2 (Terra Classic, +) and LUNC (Terra Classic, -) are one asset
    terra_classic = [a.amount for a in export.assets if a.ticker in ("LUNA2", "LUNC")]
    assert len(terra_classic) == 2 and min(terra_classic) < 0 < max(terra_classic)
    assert assets["LUNC"][0] == sum(terra_classic)
    assert assets["LUNA"][0] > 0  # LUNA3, Terra v2
    assert assets["CT:LUNA"][0] == Decimal("10.82512300")  # CoinTracking's "Luna Coin"
    assert "SOL2" not in assets and assets["SOL"][1] > 3000


def test_locations_from_the_per_exchange_files(ct_dir: Path) -> None:
    a = _import(_parse(ct_dir, BALANCE_BY_EXCHANGE))
    b = _import(_parse(ct_dir, COINS_BY_EXCHANGE))
    key = {(h.asset, h.location_id): h.qty for h in a.holdings}
    assert key == {(h.asset, h.location_id): h.qty for h in b.holdings}
    assert key[("YFII", MANUAL_ID)] == Decimal("0.41030000")
    assert key[("YFII", "okx:funding")] == Decimal("-0.41030000")
    assert key[("USD", "kraken:earn")] == Decimal("11414.62910000")
    assert key[("AVAX", "binance:earn")] == Decimal(-30)


def test_merged_import_takes_locations_and_the_long_tail(ct_dir: Path) -> None:
    balance = _parse(ct_dir, CURRENT_BALANCE)
    located = _parse(ct_dir, BALANCE_BY_EXCHANGE)
    merged = _import(located, balance)
    alone = _per_asset(_import(balance))
    together = _per_asset(merged)
    assert set(together) >= set(alone)
    for asset, (amount, _) in together.items():
        assert amount == alone.get(asset, (Decimal(0),))[0], asset
    assert abs(merged.total_usd - balance.total_usd) <= CENT
    assert any(h.location_id == "ledger:cold" for h in merged.holdings)


def test_two_per_exchange_files_are_refused(ct_dir: Path) -> None:
    with pytest.raises(DataError, match="same positions"):
        _import(_parse(ct_dir, BALANCE_BY_EXCHANGE), _parse(ct_dir, COINS_BY_EXCHANGE))


def test_unknown_labels_are_reported(ct_dir: Path) -> None:
    text = (ct_dir / BALANCE_BY_EXCHANGE).read_bytes().replace(b'"Vsync"', b'"My Vault"')
    imp = _import(parse_export(text, "x.csv", allow_negative=True))
    assert imp.unmapped_labels == ("My Vault",)
    assert any(h.location_id == "unmapped:my-vault" for h in imp.holdings)


def test_date_in_file_name() -> None:
    assert date_in_name(BALANCE_BY_EXCHANGE) == AS_OF
    assert date_in_name(CURRENT_BALANCE) is None
    assert date_in_name("x 31.02.2025.csv") is None
