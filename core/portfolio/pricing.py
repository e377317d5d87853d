"""Choose one USD price per asset from everything we know, and say where it came from.

A pure resolver: given market observations (book mids, last trades, venue tickers), prices
cached in the store, prices from imported files, configured prices and derivative rates, it
returns a :class:`core.models.Price` whose ``source``, ``ts``, ``stale`` and ``detail`` tell
the UI exactly what it is looking at. Nothing is assumed:

* a stablecoin is priced like any asset (USDT from a USDT/USD book, not "1"); with no
  observation it is unpriced (``source=none``), which every view shows;
* a wrapped or liquid-staking token uses its own market, or a configured rate times its base's
  price (``portfolio.rates``), never its base 1:1;
* a market quoted in something other than USD is converted with that quote asset's own
  resolved price (BTC/USDT mid x USDT price), and inherits its staleness.

The choice: fresh before stale, then the stronger source (book mid > last trade > ticker >
cached > import > daily close > config), then a direct USD market before a route through a
quote asset, then the newest. A book whose integrity is not ``verified`` counts
as stale, and so does anything older than the policy's age limit for its kind.

Simulated prices value simulated holdings only. A simulated venue's books (and the simulator's
daily closes) describe a synthetic world: they price what is held on simulated venues (the
demo's own balances, their paper accounts) and nothing else. :meth:`PriceInputs.real` and
:meth:`PriceInputs.simulation` split one set of inputs into the two worlds; real holdings
(imports, manual positions, live venues) are valued from real sources only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.config import DerivativeRate
from core.models import (
    BookIntegrity,
    BookSnapshot,
    Model,
    Price,
    PriceSource,
    Trade,
    UtcDatetime,
)

USD = "USD"
_RANK = {source: rank for rank, source in enumerate(PriceSource)}
_MAX_DEPTH = 3


class Quote(Model):
    """One market observation: ``base`` costs ``price`` units of ``quote`` at ``ts``."""

    base: str
    quote: str
    price: Decimal
    source: PriceSource
    ts: UtcDatetime
    venue: str | None = None
    trusted: bool = True


def quote_from_book(book: BookSnapshot) -> Quote | None:
    """The mid of a book (None if a side is empty); unverified books are not trusted."""
    mid = book.mid
    if mid is None or mid <= 0:
        return None
    base, quote = _split(book.symbol)
    return Quote(
        base=base,
        quote=quote,
        price=mid,
        source=PriceSource.BOOK_MID,
        ts=book.ts,
        venue=book.venue,
        trusted=book.integrity is BookIntegrity.VERIFIED and not book.is_crossed,
    )


def quote_from_trade(trade: Trade) -> Quote:
    """The price of a public trade print."""
    base, quote = _split(trade.symbol)
    return Quote(
        base=base,
        quote=quote,
        price=trade.price,
        source=PriceSource.LAST_TRADE,
        ts=trade.ts,
        venue=trade.venue,
    )


def quote_from_ticker(venue: str, symbol: str, last: Decimal, ts: datetime) -> Quote:
    """A venue ticker's last price (REST ticker or ccxt ``fetch_ticker``)."""
    base, quote = _split(symbol)
    return Quote(base=base, quote=quote, price=last, source=PriceSource.TICKER, ts=ts, venue=venue)


def _split(symbol: str) -> tuple[str, str]:
    base, sep, quote = symbol.partition("/")
    if not sep or not base or not quote:
        raise ValueError(f"market symbol must be BASE/QUOTE, got {symbol!r}")
    return base.upper(), quote.split(":")[0].upper()


@dataclass(frozen=True, slots=True)
class PricePolicy:
    """Age limits: live observations go stale fast, cached and imported prices slowly."""

    live_stale_s: float = 30.0
    cache_stale_s: float = 3600.0


@dataclass(frozen=True)
class PriceInputs:
    """Everything the resolver may choose from. All mappings are keyed by market symbol."""

    quotes: tuple[Quote, ...] = ()
    cached: Mapping[str, Price] = field(default_factory=dict)
    imported: Mapping[str, Price] = field(default_factory=dict)
    closes: Mapping[str, Price] = field(default_factory=dict)
    """The last daily close per asset (:func:`close_prices`)."""
    configured: Mapping[str, Decimal] = field(default_factory=dict)
    rates: Mapping[str, DerivativeRate] = field(default_factory=dict)
    simulated: frozenset[str] = frozenset()
    """Venues whose quotes are synthetic (the simulator's): they price simulated holdings only."""
    simulated_closes: Mapping[str, Price] = field(default_factory=dict)
    """The simulator's last daily close per asset (simulated holdings only)."""

    def real(self) -> PriceInputs:
        """What a real holding may be priced with: every input but the simulator's."""
        if not self.simulated and not self.simulated_closes:
            return self
        quotes = tuple(q for q in self.quotes if q.venue not in self.simulated)
        return replace(self, quotes=quotes, simulated=frozenset(), simulated_closes={})

    def simulation(self) -> PriceInputs:
        """What a simulated holding is priced with: the simulated venues' quotes and closes,
        configured prices and rates (never a real cache, import or close)."""
        return PriceInputs(
            quotes=tuple(q for q in self.quotes if q.venue in self.simulated),
            closes=self.simulated_closes,
            configured=self.configured,
            rates=self.rates,
        )

    def by_base(self) -> dict[str, list[Quote]]:
        """Quotes grouped by the asset they price."""
        out: dict[str, list[Quote]] = {}
        for quote in self.quotes:
            out.setdefault(quote.base, []).append(quote)
        return out


class PriceResolver:
    """Resolves prices from one set of inputs at one instant, memoising each asset."""

    def __init__(self, inputs: PriceInputs, now: datetime, policy: PricePolicy | None = None):
        self.inputs = inputs
        self.now = now
        self.policy = policy or PricePolicy()
        self._quotes = inputs.by_base()
        self._done: dict[str, Price] = {}

    def price(self, asset: str) -> Price:
        """The best price for ``asset`` (``source=none`` and no value when there is none)."""
        return self._resolve(asset.upper(), frozenset())

    def prices(self, assets: Iterable[str]) -> dict[str, Price]:
        return {asset: self.price(asset) for asset in assets}

    # ------------------------------------------------------------------ internals

    def _resolve(self, asset: str, visiting: frozenset[str]) -> Price:
        if asset in self._done:
            return self._done[asset]
        if asset == USD:
            return Price(
                asset=USD, value=Decimal(1), source=PriceSource.CONFIG, detail="valuation unit"
            )
        candidates = self._candidates(asset, visiting | {asset})
        best = min(candidates, key=lambda c: _preference(*c), default=None)
        result = best[0] if best else Price(asset=asset, value=None, source=PriceSource.NONE)
        if not visiting:  # only memoise complete answers, not ones cut short by a cycle
            self._done[asset] = result
        return result

    def _candidates(self, asset: str, visiting: frozenset[str]) -> list[tuple[Price, bool]]:
        """Every price we could use, each with whether it is routed through a quote asset."""
        routed = [
            (p, q.quote != USD)
            for q in self._quotes.get(asset, ())
            if (p := self._from_quote(q, visiting))
        ]
        out: list[Price] = []
        for inverse in self._quotes.get(USD, ()):
            if inverse.quote == asset and inverse.price > 0:
                out.append(self._live(asset, Decimal(1) / inverse.price, inverse, "inverse"))
        for table, source in (
            (self.inputs.cached, PriceSource.CACHED),
            (self.inputs.imported, PriceSource.IMPORT),
            (self.inputs.closes, PriceSource.CLOSE),
        ):
            if (stored := table.get(asset)) is not None and stored.value is not None:
                out.append(self._stored(stored, source))
        rate = self.inputs.rates.get(asset)
        if rate is not None and rate.base.upper() not in visiting and len(visiting) <= _MAX_DEPTH:
            base = self._resolve(rate.base.upper(), visiting)
            if base.value is not None:
                out.append(
                    Price(
                        asset=asset,
                        value=rate.rate * base.value,
                        source=PriceSource.CONFIG,
                        ts=base.ts,
                        stale=base.stale,
                        detail=f"configured rate {rate.rate} × {rate.base} "
                        f"{base.value} ({base.source.value})",
                    )
                )
        if (fixed := self.inputs.configured.get(asset)) is not None:
            out.append(
                Price(asset=asset, value=fixed, source=PriceSource.CONFIG, detail="fixed in config")
            )
        return routed + [(p, False) for p in out]

    def _from_quote(self, quote: Quote, visiting: frozenset[str]) -> Price | None:
        if quote.price <= 0:
            return None
        if quote.quote == USD:
            return self._live(quote.base, quote.price, quote, None)
        if quote.quote in visiting or len(visiting) > _MAX_DEPTH:
            return None
        leg = self._resolve(quote.quote, visiting)
        if leg.value is None:
            return None
        price = self._live(quote.base, quote.price * leg.value, quote, None)
        ts = min(t for t in (price.ts, leg.ts) if t is not None) if leg.ts else price.ts
        return price.model_copy(
            update={
                "stale": price.stale or leg.stale,
                "ts": ts,
                "detail": f"{price.detail} × {quote.quote} {leg.value} "
                f"({leg.detail or leg.source.value})",
            }
        )

    def _live(self, asset: str, value: Decimal, quote: Quote, how: str | None) -> Price:
        age = (self.now - quote.ts).total_seconds()
        stale = age > self.policy.live_stale_s or not quote.trusted
        kind = {PriceSource.BOOK_MID: "mid", PriceSource.LAST_TRADE: "last trade"}.get(
            quote.source, "ticker"
        )
        where = f" on {quote.venue}" if quote.venue else ""
        note = "" if quote.trusted else " (book not verified)"
        prefix = f"{how} " if how else ""
        return Price(
            asset=asset,
            value=value,
            source=quote.source,
            ts=quote.ts,
            stale=stale,
            detail=f"{prefix}{quote.base}/{quote.quote} {kind}{where}{note}",
        )

    def _stored(self, stored: Price, source: PriceSource) -> Price:
        """A cached or imported price, re-labelled with where it now comes from and aged."""
        detail = stored.detail
        if stored.source is not source:
            detail = f"{source.value} (originally {stored.source.value}"
            detail += f": {stored.detail})" if stored.detail else ")"
        stale = stored.ts is None or (
            (self.now - stored.ts).total_seconds() > self.policy.cache_stale_s
        )
        return stored.model_copy(update={"source": source, "stale": stale, "detail": detail})


def close_prices(closes: Mapping[str, Sequence[tuple[date, float]]]) -> dict[str, Price]:
    """The last daily close of each asset as a price, stamped at the end of its UTC day."""
    out: dict[str, Price] = {}
    for asset, points in closes.items():
        if not points:
            continue
        day, close = points[-1]
        if not close > 0:
            continue
        out[asset] = Price(
            asset=asset,
            value=Decimal(repr(float(close))),
            source=PriceSource.CLOSE,
            ts=datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1),
            detail=f"daily close {day.isoformat()}",
        )
    return out


def _preference(price: Price, routed: bool) -> tuple[bool, int, bool, float]:
    newest = -price.ts.timestamp() if price.ts is not None else 0.0
    return (price.stale, _RANK[price.source], routed, newest)


def resolve_prices(
    assets: Iterable[str],
    inputs: PriceInputs,
    now: datetime,
    policy: PricePolicy | None = None,
) -> dict[str, Price]:
    """Resolve many assets at once (see :class:`PriceResolver`)."""
    return PriceResolver(inputs, now, policy).prices(assets)
