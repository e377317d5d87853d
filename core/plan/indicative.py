"""Indicative markets: what the planner prices against at a venue it has no live book for.

A portfolio imported from CoinTracking sits at venues the cockpit may not be connected to
(Kraken, Binance...). The plan still says what would bring it to target, but honestly: each
order there is *indicative*, priced at the asset's last known USD price with an assumed
spread, slippage and fee (``targets.indicative``), and it can never be sent to execution.

The venue's markets are the ones its last ``load_markets`` returned (the cockpit stores them
whenever it reaches a venue) or, failing that, every priced asset against each of the venue's
configured quote currencies. Books here are synthetic single-level books at
``mid × (1 ± half spread + slippage)``, deep enough for any order: their depth is not
known, so none is invented. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from core.models import (
    BookIntegrity,
    BookLevel,
    BookSnapshot,
    Custody,
    Instrument,
    Location,
    Model,
    UtcDatetime,
)
from core.plan.spec import IndicativeSettings

DEPTH = Decimal(10) ** 18
"""Quantity on each side of a synthetic book: unknown depth is never the limit."""
QTY_STEP = Decimal("1e-8")
SIGNIFICANT = 8
"""Digits of price kept on a synthesised market's tick grid."""


class IndicativeMarkets(Model):
    """Markets at venues without a live book, with the prices and assumptions behind them."""

    instruments: tuple[Instrument, ...] = ()
    prices: dict[str, Decimal] = Field(
        default_factory=dict, description="Asset -> last known USD price."
    )
    markup: Decimal = Field(
        default=Decimal(0), description="Half spread + slippage, as a fraction of the price."
    )
    as_of: UtcDatetime
    sources: dict[str, str] = Field(
        default_factory=dict, description="Venue -> where its markets came from."
    )
    assumptions: str = Field(default="", description="How the orders are priced, in words.")

    @property
    def venues(self) -> tuple[str, ...]:
        return tuple(sorted(self.sources))

    def usd(self, asset: str) -> Decimal | None:
        """The last known USD price of ``asset`` (USD itself is 1)."""
        return Decimal(1) if asset == "USD" else self.prices.get(asset)

    def mid(self, instrument: Instrument) -> Decimal | None:
        """The pair's indicative mid: base price over quote price, None if either is unknown."""
        base, quote = self.usd(instrument.base), self.usd(instrument.quote)
        if base is None or quote is None or base <= 0 or quote <= 0:
            return None
        return base / quote

    def books(self) -> list[tuple[Instrument, BookSnapshot]]:
        """A synthetic one-level book for every instrument both of whose assets are priced."""
        out = []
        for inst in self.instruments:
            mid = self.mid(inst)
            if mid is None:
                continue
            bid, ask = mid * (1 - self.markup), mid * (1 + self.markup)
            if bid <= 0:
                continue
            book = BookSnapshot(
                venue=inst.venue,
                symbol=inst.symbol,
                bids=(BookLevel(price=bid, qty=DEPTH),),
                asks=(BookLevel(price=ask, qty=DEPTH),),
                ts=self.as_of,
                integrity=BookIntegrity.UNVERIFIED,
            )
            out.append((inst, book))
        return out

    def describe(self) -> str:
        """One line for the plan's notes: where the indicative markets come from, and how
        their orders are priced."""
        where = "; ".join(f"{v}: {self.sources[v]}" for v in self.venues)
        return f"no live book at {where}; priced at {self.assumptions}"


def tick_for(price: Decimal) -> Decimal:
    """A price tick keeping :data:`SIGNIFICANT` digits of ``price``."""
    return Decimal(1).scaleb(price.adjusted() - SIGNIFICANT + 1)


def synthesise(
    venue: str,
    bases: Iterable[str],
    quotes: Sequence[str],
    prices: Mapping[str, Decimal],
    fee: Decimal,
) -> list[Instrument]:
    """``base/quote`` for every priced base and configured quote (the base never its own quote)."""
    out = []
    for base in sorted(set(bases)):
        price = prices.get(base)
        for quote in quotes:
            quote_price = Decimal(1) if quote == "USD" else prices.get(quote)
            if base == quote or price is None or quote_price is None or price <= 0:
                continue
            if quote_price <= 0:
                continue
            out.append(
                Instrument(
                    venue=venue,
                    symbol=f"{base}/{quote}",
                    base=base,
                    quote=quote,
                    price_tick=tick_for(price / quote_price),
                    qty_step=QTY_STEP,
                    taker_fee=fee,
                    maker_fee=fee,
                )
            )
    return out


def indicative_markets(
    settings: IndicativeSettings,
    locations: Iterable[Location],
    *,
    live_venues: Iterable[str],
    stored: Mapping[str, tuple[datetime, Sequence[Instrument]]],
    prices: Mapping[str, Decimal],
    as_of: datetime,
    read_only: Iterable[str] = (),
) -> IndicativeMarkets | None:
    """Markets for every tradable venue among ``locations`` that is not live, or None.

    ``stored`` maps a venue to when its markets were last loaded and what they were;
    ``prices`` are the last known USD prices (held assets and any other priced asset).
    """
    live, ro = set(live_venues), set(read_only)
    venues = sorted(
        {
            loc.venue
            for loc in locations
            if loc.tradable and loc.custody is Custody.EXCHANGE and loc.venue not in live | ro
        }
    )
    if not venues:
        return None
    priced = {a: p for a, p in prices.items() if p > 0}
    instruments: list[Instrument] = []
    sources: dict[str, str] = {}
    for venue in venues:
        fee = settings.fee(venue)
        if venue in stored:
            saved_at, markets = stored[venue]
            instruments += [
                i.model_copy(update={"taker_fee": fee}) if venue in settings.fees else i
                for i in markets
                if i.base in priced
            ]
            sources[venue] = f"markets stored {saved_at:%Y-%m-%d %H:%M}Z"
        else:
            quotes = settings.quotes_for(venue)
            instruments += synthesise(venue, priced, quotes, priced, fee)
            sources[venue] = f"assumed markets against {', '.join(quotes)}"
    return IndicativeMarkets(
        instruments=tuple(instruments),
        prices=dict(sorted(priced.items())),
        markup=settings.half_spread_and_slippage,
        as_of=as_of,
        sources=sources,
        assumptions=(
            f"last known prices, spread {settings.spread_bps} bp + slippage "
            f"{settings.slippage_bps} bp, configured fees"
        ),
    )
