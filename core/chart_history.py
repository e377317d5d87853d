"""The price chart's history: stored prints as candles, extended back by the venue's own
candles (1m, 5m, 1h: :mod:`core.venue_candles`) or by daily closes (1d).

The core answers :class:`~core.views.ChartHistory` with a :class:`~core.candles.ChartView`
covering the prints before the start of the current minute; the live minutes follow with each
state (:class:`~core.candles.CandleTail`) and the chart joins the two
(:func:`core.candles.merge`), so history is fetched once per market and timeframe, not sent
with every state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from core.candles import ChartView, Timeframe, from_closes
from core.errors import CockpitError
from core.models import Instrument, utcnow
from core.store.candles import stored_candles
from core.store.db import Store
from core.venue_candles import (
    INTRADAY,
    BarSource,
    VenueBars,
    Window,
    bar_source,
    join,
    venue_bars,
)
from core.views import ChartHistory, CommandResult

MAX_SCAN = timedelta(days=8)
"""Prints older than this are not read for a chart (trades are kept 7 days by default)."""


async def load_chart(
    store: Store,
    venue: str,
    symbol: str,
    timeframe: Timeframe,
    limit: int,
    now: datetime,
    closes: Sequence[tuple[date, float]] = (),
    bars: BarSource | None = None,
    fetcher: VenueBars | None = None,
) -> ChartView:
    """Up to ``limit`` candles ending before the current minute.

    Intraday charts start with the venue's own candles (``bars``: fetched and cached, see
    :func:`core.venue_candles.venue_bars`; through ``fetcher`` the wait is bounded and a slow
    venue's chart comes back ``pending``), so a fresh database charts a full window; a venue
    that cannot answer leaves the stored prints alone on the chart, with a ``note`` saying why.
    Daily charts reach further back with the base asset's stored daily closes (``closes``),
    for the days no stored print covers; such a chart is marked ``close_only`` (drawn as a
    line of closes: a close has no open, high, low or volume).
    """
    until = Timeframe.M1.start(now)
    window_start = timeframe.start(until - timedelta(seconds=timeframe.seconds * limit))
    since = max(window_start, until - MAX_SCAN)
    await store.flush()  # the prints of the minute just ended may still be queued
    candles = await stored_candles(store, venue, symbol, timeframe, since, until)
    source, note, pending = "trades", "", False
    if timeframe in INTRADAY and bars is not None:
        window = Window(bars, symbol, timeframe, window_start, until)
        try:
            if fetcher is None:
                venue_candles = await venue_bars(store, window)
            else:
                venue_candles, pending = await fetcher.get(store, window)
        except CockpitError as exc:
            venue_candles, note = (), f"{venue} candles unavailable: {exc}"
        if venue_candles:
            source = "venue+trades" if candles else "venue"
        candles = join(venue_candles, candles)
    if timeframe is Timeframe.D1 and closes:
        first_day = candles[0].ts.date() if candles else until.date() + timedelta(days=1)
        older = from_closes((day, close) for day, close in closes if day < first_day)
        if older:
            source = "closes+trades" if candles else "closes"
        candles = older + candles
    candles = candles[-limit:]
    return ChartView(
        venue=venue,
        symbol=symbol,
        timeframe=timeframe,
        candles=candles,
        until=until,
        close_only=source.startswith("closes"),
        source=source,
        note=note,
        pending=pending,
    )


async def answer(
    command: ChartHistory,
    store: Store | None,
    instruments: Mapping[str, Instrument],
    closes: Mapping[str, Sequence[tuple[date, float]]],
    venues: Mapping[str, object] | None = None,
    fetcher: VenueBars | None = None,
) -> CommandResult:
    """The core's answer to :class:`~core.views.ChartHistory` (``data``: a ``ChartView``)."""
    inst = instruments.get(f"{command.venue}:{command.symbol}")
    if inst is None or store is None:
        return CommandResult(ok=False, message=f"unknown market {command.venue}:{command.symbol}")
    view = await load_chart(
        store,
        inst.venue,
        inst.symbol,
        command.timeframe,
        command.limit,
        utcnow(),
        closes.get(inst.base, ()),
        bar_source((venues or {}).get(inst.venue)),
        fetcher,
    )
    return CommandResult(ok=True, message=f"{len(view.candles)} candles", data=view)
