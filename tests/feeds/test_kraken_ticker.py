"""Kraken v2 ``ticker``: a free cross-check of the verified book's top, never a failure."""

from __future__ import annotations

from core.feeds.events import InstrumentsUpdated, SyncState, TickerUpdated
from core.feeds.kraken_v2 import KrakenV2Handler


def ticker_frame(bid: str, ask: str) -> str:
    return (
        '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD",'
        f'"bid":{bid},"bid_qty":1.0,"ask":{ask},"ask_qty":2.0,"last":{bid}}}]}}'
    )


def test_ticker_is_checked_against_the_recorded_book(
    instrument_frame: str, kraken_v2_frames: list[str]
) -> None:
    handler = KrakenV2Handler(depth=10)
    assert isinstance(handler.on_message(instrument_frame)[-1], InstrumentsUpdated)
    # Before any book: stored, not checked.
    assert handler.on_message(ticker_frame("1.0", "2.0")) == [TickerUpdated("BTC/USD")]
    assert handler.book("BTC/USD") is None
    for frame in kraken_v2_frames[:200]:
        handler.on_message(frame)
    sb = handler.book("BTC/USD")
    assert sb is not None and sb.state is SyncState.LIVE
    bids, asks = sb.book.levels(1)
    # The recorded book's own top, spelt as Kraken sends numbers.
    handler.on_message(ticker_frame(str(bids[0].price), str(asks[0].price)))
    ticker = handler.tickers["BTC/USD"]
    assert (ticker.bid, ticker.ask) == (bids[0].price, asks[0].price)
    assert (sb.stats.ticker_checks, sb.stats.ticker_disagreements) == (1, 0)
    # A ticker one dollar off the book: counted, the book stays live and verified.
    handler.on_message(ticker_frame(str(bids[0].price - 1), str(asks[0].price)))
    assert (sb.stats.ticker_checks, sb.stats.ticker_disagreements) == (2, 1)
    assert sb.state is SyncState.LIVE and sb.stats.failures == 0
