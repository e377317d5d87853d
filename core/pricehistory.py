"""Price history for every held asset: backfill daily closes from the live venues at start.

:class:`PriceHistoryService` takes the narrow things it uses (candle sources, a sink for
closes, the held assets, a clock, a callback) and never the core. For each source it runs
:func:`core.venues.ohlcv.backfill` over the assets held now, stores the closes under the
source ``ohlcv:<venue>`` and reports what it found; a venue that cannot answer is reported
and the others go on. The core then reloads its closes (risk, 24 h change, last-close prices).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from core.errors import ExchangeError
from core.venues.ohlcv import Backfill, CandleSource, backfill, since_for

log = logging.getLogger(__name__)

SOURCE_PREFIX = "ohlcv:"


class ClosesSink(Protocol):
    async def save_daily_closes(
        self, source: str, series: dict[str, list[tuple[datetime, float]]]
    ) -> None: ...


def candle_source_name(venue: str) -> str:
    """The ``daily_closes`` source a venue's candles are stored under."""
    return f"{SOURCE_PREFIX}{venue}"


class PriceHistoryService:
    """Backfills the held assets' daily closes from each candle source, once."""

    def __init__(
        self,
        sources: Sequence[CandleSource],
        sink: ClosesSink,
        held: Callable[[], Iterable[str]],
        clock: Callable[[], datetime],
        *,
        days: int,
        on_done: Callable[[Backfill | ExchangeError, str], Awaitable[None]],
    ) -> None:
        self.sources = list(sources)
        self.sink = sink
        self.held = held
        self.clock = clock
        self.days = days
        self.on_done = on_done
        self.results: list[Backfill] = []

    async def run(self) -> list[Backfill]:
        """Backfill every source in turn; returns what each found."""
        for source in self.sources:
            now = self.clock()
            try:
                result = await backfill(
                    source, self.held(), since=since_for(now, self.days), now=now
                )
            except ExchangeError as exc:
                log.warning("price history from %s failed: %s", source.venue, exc)
                await self.on_done(exc, source.venue)
                continue
            if result.series:
                await self.sink.save_daily_closes(candle_source_name(source.venue), result.series)
            self.results.append(result)
            await self.on_done(result, source.venue)
        return self.results


def describe(result: Backfill | ExchangeError, venue: str) -> str:
    """One log line about a backfill."""
    if isinstance(result, ExchangeError):
        return f"price history from {venue} failed: {result}"
    text = (
        f"price history from {venue}: {len(result.series)} assets, up to {result.days} days"
        f" ({len(result.unlisted)} held assets not listed there)"
    )
    if result.errors:
        text += f"; {len(result.errors)} failed (e.g. {next(iter(result.errors))})"
    return text
