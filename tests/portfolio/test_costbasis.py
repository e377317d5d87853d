"""Average cost and unrealised P&L from fills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.models import Fill, Liquidity, Price, PriceSource, Side
from core.portfolio.costbasis import average_cost, unrealised_pnl

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _fill(
    n: int,
    side: Side,
    qty: str,
    price: str,
    fee: str = "0",
    fee_asset: str = "USD",
    symbol: str = "BTC/USD",
) -> Fill:
    return Fill(
        client_order_id=f"o{n}",
        venue="sim-a",
        symbol=symbol,
        side=side,
        qty=Decimal(qty),
        price=Decimal(price),
        fee=Decimal(fee),
        fee_asset=fee_asset,
        liquidity=Liquidity.TAKER,
        ts=T0 + timedelta(minutes=n),
        trade_id=f"t{n}",
    )


def _usd(value: str) -> Price:
    return Price(asset="BTC", value=Decimal(value), source=PriceSource.BOOK_MID, ts=T0)


def test_average_cost_and_realised() -> None:
    fills = [
        _fill(2, Side.BUY, "1", "30000", fee="30"),
        _fill(1, Side.BUY, "1", "20000", fee="20"),  # out of order on purpose
        _fill(3, Side.SELL, "0.5", "40000", fee="20"),
    ]
    basis = average_cost(fills)[("BTC", "USD")]
    assert basis.fills == 3 and not basis.incomplete
    # cost 50050 for 2 BTC -> avg 25025; sell 0.5: proceeds 19980, cost out 12512.5
    assert basis.qty == Decimal("1.5")
    assert basis.cost == Decimal("37537.5")
    assert basis.avg_cost == Decimal(25025)
    assert basis.realised == Decimal("7467.5")
    assert basis.fees_quote == Decimal(70)


def test_fee_in_base_and_third_asset() -> None:
    fills = [
        _fill(1, Side.BUY, "1", "100", fee="0.01", fee_asset="ETH", symbol="ETH/USDT"),
        _fill(2, Side.BUY, "1", "200", fee="0.05", fee_asset="BNB", symbol="ETH/USDT"),
    ]
    basis = average_cost(fills)[("ETH", "USDT")]
    assert basis.qty == Decimal("1.99") and basis.cost == Decimal(300)
    assert basis.other_fees == (("BNB", Decimal("0.05")),)


def test_selling_more_than_bought_is_incomplete_and_flat_is_zero() -> None:
    basis = average_cost([_fill(1, Side.BUY, "1", "100"), _fill(2, Side.SELL, "1.5", "120")])[
        ("BTC", "USD")
    ]
    assert basis.incomplete and basis.qty == 0 and basis.cost == 0
    assert basis.realised == Decimal(120) * Decimal("1.5") * 1 / Decimal("1.5") - 100
    assert basis.avg_cost is None


def test_unrealised_pnl_across_quotes() -> None:
    bases = average_cost(
        [
            _fill(1, Side.BUY, "1", "20000"),
            _fill(2, Side.BUY, "1", "30000", symbol="BTC/USDT"),
        ]
    )
    usdt = Price(asset="USDT", value=Decimal("0.999"), source=PriceSource.BOOK_MID, ts=T0)
    pnl = unrealised_pnl("BTC", Decimal(2), _usd("40000"), bases, {"USDT": usdt})
    assert pnl is not None
    assert pnl.avg_cost_usd == (Decimal(20000) + Decimal(30000) * Decimal("0.999")) / 2
    assert pnl.pnl_usd == (Decimal(40000) - pnl.avg_cost_usd) * 2
    assert pnl.complete and "today's USDT price" in pnl.note
    # holding more than the fills cover: P&L on the covered part, marked partial
    partial = unrealised_pnl("BTC", Decimal(3), _usd("40000"), bases, {"USDT": usdt})
    assert partial is not None and partial.qty == 2 and not partial.complete
    # a quote without a price is left out, never assumed 1
    missing = unrealised_pnl("BTC", Decimal(1), _usd("40000"), bases, {})
    assert missing is not None and missing.qty == 1 and not missing.complete
    assert missing.avg_cost_usd == 20000
    assert unrealised_pnl("ETH", Decimal(1), _usd("1"), bases, {}) is None
