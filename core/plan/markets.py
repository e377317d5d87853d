"""Markets the planner can trade on, routes between assets, and walking a live book.

A market is usable only with a ``VERIFIED`` book: the planner prices every order from the live
book, never from a stale or unverified one. Venues without a live book get *indicative*
markets (:mod:`core.plan.indicative`): orders on them are flagged and never sent. Routes are
direct (``SOL/USDT``) or two legs through a bridge asset (``XMR/BTC`` then ``BTC/USDT``) when
no direct cash market exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from typing import NamedTuple

from core.models import BookIntegrity, BookLevel, BookSnapshot, Instrument, Side

ZERO = Decimal(0)


# The planner makes thousands of these per plan: immutable named tuples, several times cheaper
# to create than frozen dataclasses.


class Market(NamedTuple):
    """An instrument with its verified book and the fee rate the planner assumes."""

    instrument: Instrument
    book: BookSnapshot
    fee: Decimal
    mid: Decimal
    indicative: bool = False
    """Priced without a live book: orders on it are shown, never sent."""

    @property
    def key(self) -> str:
        return f"{self.instrument.venue}:{self.instrument.symbol}"


class Route(NamedTuple):
    """One or two markets taking an asset to or from a cash currency on one venue."""

    legs: tuple[Market, ...]
    cash: str

    @property
    def venue(self) -> str:
        return self.legs[0].instrument.venue


class Fill(NamedTuple):
    """The result of walking one side of a book."""

    qty: Decimal
    cost: Decimal
    worst: Decimal

    @property
    def avg(self) -> Decimal:
        return self.cost / self.qty if self.qty else ZERO


class MarketIndex:
    """Looks up tradable markets by venue and asset; built once per plan."""

    def __init__(
        self,
        instruments: Iterable[Instrument],
        books: Iterable[BookSnapshot],
        *,
        cash_assets: Sequence[str],
        route_via: Sequence[str],
        fees: Mapping[str, Decimal] | None = None,
        indicative: Iterable[tuple[Instrument, BookSnapshot]] = (),
        live: bool = True,
    ) -> None:
        """``indicative`` adds markets at venues without a live book (each pair with its
        synthetic book); ``live=False`` says ``books`` are recordings, not live books, so
        every market is indicative."""
        self.cash_assets = tuple(cash_assets)
        self.route_via = tuple(route_via)
        by_key = {(b.venue, b.symbol): b for b in books}
        venues: set[str] = set()
        self._quotes: dict[tuple[str, str], dict[str, Market]] = {}
        """(venue, base) -> quote -> market."""
        self.listed: dict[str, set[str]] = {}
        """Asset -> venues with a verified market where it is the base."""
        fees = fees or {}
        verified = BookIntegrity.VERIFIED
        for inst in instruments:
            venue, symbol = inst.venue, inst.symbol
            venues.add(venue)
            book = by_key.get((venue, symbol))
            # The book's mid and crossed check, inlined: this loop runs once per instrument.
            if book is None or book.integrity is not verified or not book.bids or not book.asks:
                continue
            bid, ask = book.bids[0].price, book.asks[0].price
            mid = (bid + ask) / 2
            if bid >= ask or mid <= ZERO:
                continue
            self._add(Market(inst, book, fees.get(venue, inst.taker_fee), mid, not live))
        for inst, book in indicative:
            venues.add(inst.venue)
            if self.pair(inst.venue, inst.base, inst.quote) is not None:
                continue  # a live market wins over an assumed one
            mid = (book.bids[0].price + book.asks[0].price) / 2
            self._add(Market(inst, book, fees.get(inst.venue, inst.taker_fee), mid, True))
        self.venues = sorted(venues)
        """Every venue with an instrument, verified book or not."""
        self._usd: dict[str, Decimal | None] = {}
        self._routes: dict[tuple[str, str], list[Route]] = {}

    def _add(self, market: Market) -> None:
        inst = market.instrument
        quotes = self._quotes.get((inst.venue, inst.base))
        if quotes is None:
            quotes = self._quotes[(inst.venue, inst.base)] = {}
        quotes[inst.quote] = market
        listed = self.listed.get(inst.base)
        if listed is None:
            listed = self.listed[inst.base] = set()
        listed.add(inst.venue)

    def pair(self, venue: str, base: str, quote: str) -> Market | None:
        quotes = self._quotes.get((venue, base))
        return quotes.get(quote) if quotes is not None else None

    def routes(self, venue: str, asset: str) -> list[Route]:
        """Ways to trade ``asset`` against cash on ``venue``: direct first, cash by preference."""
        key = (venue, asset)
        found = self._routes.get(key)
        if found is None:
            found = self._routes[key] = self._find_routes(venue, asset)
        return found

    def _find_routes(self, venue: str, asset: str) -> list[Route]:
        quotes = self._quotes.get((venue, asset))
        if quotes is None:
            return []
        found = [Route((quotes[q],), q) for q in self.cash_assets if q in quotes]
        for via in self.route_via:
            first = quotes.get(via) if via != asset else None
            onward = self._quotes.get((venue, via)) if first is not None else None
            if first is not None and onward is not None:
                found += [Route((first, onward[q]), q) for q in self.cash_assets if q in onward]
        return found

    def trades(self, venue: str, asset: str) -> bool:
        return bool(self.routes(venue, asset))

    def usd_rate(self, asset: str, known: Mapping[str, Decimal]) -> Decimal | None:
        """USD per unit of ``asset``: a known price, USD itself, or a book against cash."""
        if asset in known:
            return known[asset]
        if asset == "USD":
            return Decimal(1)
        if asset in self._usd:
            return self._usd[asset]
        self._usd[asset] = None  # guards against cycles while resolving
        rate: Decimal | None = None
        for quote in ("USD", *self.cash_assets):
            if quote == asset:
                continue
            for venue in self.venues:
                market = self.pair(venue, asset, quote)
                quote_rate = self.usd_rate(quote, known) if market is not None else None
                if market is not None and quote_rate is not None:
                    rate = market.mid * quote_rate
                    break
            if rate is not None:
                break
        self._usd[asset] = rate
        return rate


# ``walk`` and ``qty_for_spend`` run for every order: the conditional expressions below stand
# for ``max``/``min`` (same result, same operand returned on ties) without a call per level.


def walk(levels: Sequence[BookLevel], qty: Decimal, used: Decimal = ZERO) -> Fill:
    """Take up to ``qty`` from ``levels`` (best first) after the ``used`` qty other orders of
    the same plan already take: filled qty, total cost, worst price."""
    left, cost, worst = qty, ZERO, ZERO
    for level in levels:
        if left <= ZERO:
            break
        available = level.qty - used
        used = -available if available < ZERO else ZERO
        if available <= ZERO:
            continue
        take = left if left <= available else available
        cost += take * level.price
        worst = level.price
        left -= take
    return Fill(qty - (left if left >= ZERO else ZERO), cost, worst)


def qty_for_spend(levels: Sequence[BookLevel], spend: Decimal, used: Decimal = ZERO) -> Decimal:
    """How much base ``spend`` quote buys walking ``levels`` (asks, best first) after ``used``."""
    left, qty = spend, ZERO
    for level in levels:
        if left <= ZERO:
            break
        available = level.qty - used
        used = -available if available < ZERO else ZERO
        if available <= ZERO:
            continue
        level_cost = level.price * available
        if level_cost <= left:
            qty += available
            left -= level_cost
        else:
            qty += left / level.price
            left = ZERO
    return qty


def limit_price(instrument: Instrument, worst: Decimal, side: Side) -> Decimal:
    """The worst level price, on the tick grid: floor for sells, ceiling for buys."""
    if side is Side.SELL:
        return instrument.round_price(worst)
    ticks = (worst / instrument.price_tick).to_integral_value(rounding=ROUND_CEILING)
    return ticks * instrument.price_tick
