"""Market selection and the command table, on their own (no venue, no core)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.command_dispatch import CommandDispatch
from core.market_selection import MarketSelection
from core.models import Instrument
from core.views import (
    CommandResult,
    CycleMarket,
    GetBook,
    MarketRef,
    PlaceOrder,
    RefreshRisk,
    SelectMarket,
)


def instrument(venue: str, symbol: str) -> Instrument:
    base, quote = symbol.split("/")
    return Instrument(
        venue=venue,
        symbol=symbol,
        base=base,
        quote=quote,
        price_tick=Decimal("0.01"),
        qty_step=Decimal("0.0001"),
        min_qty=Decimal("0.0001"),
        min_notional=Decimal(1),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
    )


INSTRUMENTS = {
    i.key: i
    for i in (
        instrument("b", "ETH/USDT"),
        instrument("a", "SOL/USDT"),
        instrument("a", "BTC/USDT"),
    )
}


def test_markets_are_ordered_and_the_default_is_configured_or_the_first_btc() -> None:
    selection = MarketSelection(INSTRUMENTS)
    selection.load(None)
    assert [m.key for m in selection.markets] == ["a:BTC/USDT", "a:SOL/USDT", "b:ETH/USDT"]
    assert selection.market == MarketRef(venue="a", symbol="BTC/USDT")
    selection.load("b:ETH/USDT")
    assert selection.market == MarketRef(venue="b", symbol="ETH/USDT")
    selection.load("c:DOGE/USDT")  # not loaded: the first BTC market instead
    assert selection.market == MarketRef(venue="a", symbol="BTC/USDT")
    assert selection.instrument() is INSTRUMENTS["a:BTC/USDT"]


def test_select_refuses_an_unknown_market_and_cycle_wraps_both_ways() -> None:
    selection = MarketSelection(INSTRUMENTS)
    selection.load(None)
    refused = selection.select(SelectMarket(venue="a", symbol="DOGE/USDT"))
    assert not refused.ok and refused.message == "unknown market a:DOGE/USDT"
    assert selection.market is not None and selection.market.key == "a:BTC/USDT"
    assert selection.cycle(CycleMarket(step=-1)).ok
    assert selection.market.key == "b:ETH/USDT"
    assert selection.cycle(CycleMarket(step=1)).ok
    assert selection.market.key == "a:BTC/USDT"
    assert selection.is_selected("a", "BTC/USDT") and not selection.is_selected("b", "BTC/USDT")
    empty = MarketSelection({})
    empty.load(None)
    assert empty.market is None and empty.cycle(CycleMarket()).message == "no markets"


class Execution:
    """Handles orders only (what the execution service does with the rest: None)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def handle(self, command: Any, *, actor: str) -> CommandResult | None:
        self.seen.append(f"{command.kind}:{actor}")
        return CommandResult(ok=True, message="placed") if command.kind == "place_order" else None


async def test_the_table_asks_execution_first_then_its_handlers_and_redraws_after_a_move() -> None:
    selection = MarketSelection(INSTRUMENTS)
    selection.load(None)
    redraws: list[str] = []
    execution = Execution()

    async def select(command: SelectMarket) -> CommandResult:
        return selection.select(command)

    async def risk(_: RefreshRisk) -> CommandResult:
        return CommandResult(ok=False, message="no holdings")

    table = CommandDispatch(
        lambda: execution,  # type: ignore[arg-type,return-value]
        {SelectMarket: select, RefreshRisk: risk},
        lambda: redraws.append("book"),
    )
    request = {
        "client_order_id": "x-1",
        "venue": "a",
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "market",
        "qty": "0.01",
    }
    placed = await table.dispatch(PlaceOrder.model_validate({"request": request}), actor="me")
    assert placed.message == "placed" and execution.seen == ["place_order:me"]
    moved = await table.dispatch(SelectMarket(venue="b", symbol="ETH/USDT"), actor="me")
    assert moved.ok and redraws == ["book"] and selection.market is not None
    assert selection.market.key == "b:ETH/USDT"
    failed = await table.dispatch(RefreshRisk(), actor="me")
    assert failed.message == "no holdings" and redraws == ["book"]  # no redraw after a failure
    missing = await table.dispatch(GetBook(venue="a", symbol="BTC/USDT"), actor="me")
    assert not missing.ok and missing.message == "get_book: not available yet"
