"""Turn parsed CoinTracking exports into holdings: symbols, locations, groups and prices.

Decisions made here, deliberately:

* **Symbols** become market symbols through the taxonomy's explicit CoinTracking table
  (``SOL2`` → ``SOL``, ``LUNA2`` → ``LUNC``); CoinTracking's shadowed plain tickers stay apart
  (its ``LUNA`` is "Luna Coin" → ``CT:LUNA``). Rows that land on the same (symbol, location)
  are summed.
* **Locations** come from the registry's label table; an unknown label becomes an
  ``unmapped:`` location and is reported. "Current Balance" has no locations: its rows go to
  ``cointracking:unassigned``.
* **Zero-amount rows** (hundreds of them: closed positions) are dropped and counted.
  Worthless tokens with a non-zero amount and dead coins are *kept*: they are part of the
  portfolio, and the dust threshold hides them from views, not from the data. Negative
  amounts reach this module only when the parser accepted them (short, borrow and loan
  positions, or ``allow_negative``: see :mod:`core.portfolio.ctparse`).
* **Prices** are the file's own: per asset, the sum of its values over the sum of its amounts,
  so that importing a file reproduces that file's total. The "Price in USD" column is not
  used: it is rounded to 8 decimals (off by up to 0.4 % for micro-priced coins such as PEPE).
  An asset the file values at $0.00 gets no price (source ``none``), not a made-up one.
* **Several files at once** form one snapshot: at most one per-exchange export (the two
  per-exchange layouts hold the same positions) and at most one "Current Balance". Given both,
  positions come from the per-exchange file, prices and names from "Current Balance", and
  whatever "Current Balance" holds beyond the located positions (the ~700 tokens it alone
  lists, and rounding remainders) goes to ``cointracking:unassigned``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Context, Decimal, localcontext
from pathlib import Path

from pydantic import Field

from core.errors import DataError
from core.models import ZERO, Holding, Model, Price, PriceSource, UtcDatetime
from core.portfolio.ctparse import CtAsset, CtExport, ExportKind, read_export
from core.portfolio.locations import UNASSIGNED_ID, LocationRegistry
from core.portfolio.taxonomy import Taxonomy

SOURCE = "cointracking"
_SUM_PRECISION = 120
MAX_HOLDING_USD = Decimal(10**15)
"""Largest value one holding may reach (amount x the files' price); more is corrupt input."""
_PRICE_CONTEXT = Context(prec=28)  # a price to 28 significant digits, as before


class FileSummary(Model):
    """What one file contributed."""

    path: str
    kind: ExportKind
    rows: int
    zero_rows: int = Field(description="Rows with a zero amount, dropped.")
    negative_rows: int = Field(default=0, description="Rows with a negative amount, kept.")
    total_usd: Decimal = Field(description="The file's own total (sum of its USD values).")


class CtImport(Model):
    """One import: holdings ready to store, plus what the user should know about it."""

    holdings: tuple[Holding, ...]
    files: tuple[FileSummary, ...]
    as_of: UtcDatetime
    taxonomy_version: str
    unmapped_labels: tuple[str, ...] = ()
    dead: tuple[str, ...] = Field(default=(), description="Assets CoinTracking marks dead.")
    guessed: tuple[str, ...] = Field(default=(), description="Assets grouped by a heuristic.")

    @property
    def total_usd(self) -> Decimal:
        return sum((h.value for h in self.holdings), ZERO)


def build_import(
    exports: Sequence[CtExport],
    *,
    registry: LocationRegistry,
    taxonomy: Taxonomy,
    as_of: UtcDatetime,
) -> CtImport:
    """Combine parsed exports into one snapshot of holdings (see the module docs).

    Sums run in a wide decimal context, so amounts of up to 40 significant digits (what the
    parser lets through) add up exactly.
    """
    with localcontext(prec=_SUM_PRECISION):
        return _build(exports, registry=registry, taxonomy=taxonomy, as_of=as_of)


def _build(
    exports: Sequence[CtExport],
    *,
    registry: LocationRegistry,
    taxonomy: Taxonomy,
    as_of: UtcDatetime,
) -> CtImport:
    balance, located = _pick(exports)
    pricing = balance or located
    assert pricing is not None  # _pick refuses an empty list

    symbol_of = taxonomy.cointracking_symbol
    names: dict[str, str] = {}
    for export in exports:
        for asset in export.assets:
            if asset.name:
                names.setdefault(symbol_of(asset.ticker), asset.name)
    prices = _prices(pricing.assets, symbol_of)

    positions: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unmapped: set[str] = set()
    if located is not None:
        for position in located.positions:
            assert position.label is not None  # per-exchange layouts require the column
            location = registry.resolve(position.label)
            if registry.lookup(position.label) is None:
                unmapped.add(location.label or position.label)
            positions[(symbol_of(position.ticker), location.id)] += position.amount
    if balance is not None:
        located_sum: dict[str, Decimal] = defaultdict(Decimal)
        for (symbol, _), amount in positions.items():
            located_sum[symbol] += amount
        held: dict[str, Decimal] = defaultdict(Decimal)
        for asset in balance.assets:
            held[symbol_of(asset.ticker)] += asset.amount
        for symbol, amount in held.items():
            remainder = amount - located_sum.get(symbol, ZERO)
            if remainder:
                positions[(symbol, UNASSIGNED_ID)] += remainder

    holdings = []
    guessed: set[str] = set()
    for (symbol, location_id), qty in sorted(positions.items()):
        if not qty:
            continue
        result = taxonomy.classify(symbol, names.get(symbol))
        if result.is_guess:
            guessed.add(symbol)
        value = prices.get(symbol)
        if value is not None and abs(qty * value) > MAX_HOLDING_USD:
            raise DataError(
                f"{qty:f} {symbol} at {location_id} is worth ${qty * value:.3E} at the file's "
                f"price of ${value:.6G}, beyond ${MAX_HOLDING_USD:.0E}; check the amounts",
                path=(located or pricing).path,
            )
        source = PriceSource.IMPORT if value is not None else PriceSource.NONE
        price = Price(asset=symbol, value=value, source=source, ts=as_of)
        holdings.append(
            Holding(
                asset=symbol,
                location_id=location_id,
                qty=qty,
                price=price,
                group=result.group,
                source=SOURCE,
                as_of=as_of,
            )
        )
    dead = {symbol_of(a.ticker) for e in exports for a in e.assets if a.dead}
    return CtImport(
        holdings=tuple(holdings),
        files=tuple(_summary(e) for e in exports),
        as_of=as_of,
        taxonomy_version=taxonomy.version,
        unmapped_labels=tuple(sorted(unmapped)),
        dead=tuple(sorted(dead)),
        guessed=tuple(sorted(guessed)),
    )


def _pick(exports: Sequence[CtExport]) -> tuple[CtExport | None, CtExport | None]:
    if not exports:
        raise DataError("no CoinTracking export given")
    balances = [e for e in exports if e.kind is ExportKind.CURRENT_BALANCE]
    located = [e for e in exports if e.kind.has_locations]
    if len(balances) > 1:
        raise DataError(
            f"{balances[1].path}: a second 'Current Balance' export "
            f"(after {balances[0].path}); import one snapshot at a time"
        )
    if len(located) > 1:
        raise DataError(
            f"{located[1].path}: a second per-exchange export (after {located[0].path}); "
            "'Balance by Exchange' and 'Coins by Exchange' hold the same positions, pass one"
        )
    return (balances[0] if balances else None), (located[0] if located else None)


def _prices(
    assets: Iterable[CtAsset], symbol_of: Callable[[str], str]
) -> dict[str, Decimal | None]:
    """Per asset: total value / total amount, so the holdings add up to the file's total."""
    grouped: dict[str, list[CtAsset]] = defaultdict(list)
    for asset in assets:
        if asset.gross_amount:
            grouped[symbol_of(asset.ticker)].append(asset)
    return {symbol: import_price(group) for symbol, group in grouped.items()}


def import_price(assets: Sequence[CtAsset]) -> Decimal | None:
    """The USD price a file implies for one asset, from all its rows; None if it implies none.

    ``sum(value) / sum(amount)`` whenever both agree in sign, which makes the asset's holdings
    add up to exactly what the file says. When amounts cancel out or the signs disagree, the
    price comes from the absolute values. When the file values the asset at $0.00 there is no
    usable price: its "Price in USD" column would value such rows at a fraction of a cent
    each, and over the ~50 such rows of a real export that drifts more than a cent from the
    file's own total.
    """
    amount = sum((a.amount for a in assets), ZERO)
    value = sum((a.value_usd for a in assets), ZERO)
    if not value:
        return None
    if amount and (amount > 0) == (value > 0):
        return _PRICE_CONTEXT.divide(value, amount)
    gross = sum((a.gross_amount for a in assets), ZERO)
    gross_value = sum((a.gross_value_usd for a in assets), ZERO)
    return _PRICE_CONTEXT.divide(gross_value, gross) if gross else None


def _summary(export: CtExport) -> FileSummary:
    return FileSummary(
        path=export.path,
        kind=export.kind,
        rows=export.row_count,
        zero_rows=export.zero_rows,
        negative_rows=export.negative_rows,
        total_usd=export.total_usd,
    )


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{2})\.(\d{2})\.(\d{4})(?!\d)")


def date_in_name(name: str) -> datetime | None:
    """The export date CoinTracking writes into file names (``... - 26.08.2025.csv``), as
    midnight UTC; None when the name carries no valid date."""
    match = _DATE_IN_NAME.search(name)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def load_exports(
    paths: Sequence[Path],
    *,
    registry: LocationRegistry,
    taxonomy: Taxonomy,
    as_of: datetime | None = None,
    allow_negative: bool = False,
) -> CtImport:
    """Read, parse (streaming) and combine CoinTracking export files as one snapshot.

    ``as_of`` defaults to the newest date in the file names, else the newest file time. A
    file that cannot be read or parsed raises :class:`DataError` naming it (and its line);
    ``allow_negative`` keeps negative amounts outside short/borrow/loan accounts instead of
    refusing them (see :mod:`core.portfolio.ctparse`).
    """
    exports = []
    mtimes = []
    for path in paths:
        try:
            mtimes.append(datetime.fromtimestamp(path.stat().st_mtime, UTC))
        except OSError as exc:
            raise DataError(exc.strerror or str(exc), path=str(path)) from exc
        exports.append(read_export(path, allow_negative=allow_negative))
    if as_of is None:
        dated = [d for p in paths if (d := date_in_name(p.name)) is not None]
        as_of = max(dated) if dated else max(mtimes, default=datetime.now(UTC))
    return build_import(exports, registry=registry, taxonomy=taxonomy, as_of=as_of)
