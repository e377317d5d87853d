"""Typed command answers cross the wire and come back as the same models (sans-I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.answers import BookAnswer, OrderList, PlanPreview, PlanProgress, PreviewOrder
from core.daemon.protocol import ProtocolError, decode, parse_result, result_message
from core.errors import GateRefused, NetworkError
from core.execution.history import ExecutionHistoryView
from core.models import (
    BookLevel,
    BookSnapshot,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TradingMode,
)
from core.views import CommandResult

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

ANSWERS = [
    PlanPreview(
        plan_id="plan-1",
        mode=TradingMode.PAPER,
        orders=(
            PreviewOrder(
                seq=1,
                venue="sim-a",
                symbol="BTC/USDT",
                side=Side.SELL,
                qty=Decimal("0.00100000"),
                limit=Decimal("42000.1"),
                usd=Decimal("42.00"),
            ),
        ),
        sells=1,
        buys=0,
        notional_usd=Decimal("42.00"),
        portfolio_pct=Decimal("0.01"),
        fees_usd=Decimal("0.04"),
        slippage_usd=Decimal("0.00"),
        expires_at=NOW,
    ),
    OrderList(
        mode=TradingMode.LIVE,
        include_final=True,
        orders=(
            Order(
                client_order_id="c-1",
                venue="sim-a",
                symbol="ETH/USDT",
                side=Side.BUY,
                type=OrderType.LIMIT,
                qty=Decimal("1.5"),
                price=Decimal("2250.00"),
                status=OrderStatus.OPEN,
                created_ts=NOW,
                updated_ts=NOW,
            ),
        ),
    ),
    BookAnswer(
        venue="sim-a",
        symbol="BTC/USDT",
        book=BookSnapshot(
            venue="sim-a",
            symbol="BTC/USDT",
            bids=(BookLevel(price=Decimal("41999.9"), qty=Decimal("0.5")),),
            asks=(BookLevel(price=Decimal("42000.1"), qty=Decimal("0.25")),),
            ts=NOW,
        ),
    ),
    BookAnswer(venue="sim-a", symbol="DOGE/USDT"),
    PlanProgress(plan_id="plan-1", total=3, done=2, failed=1, phase="done", last="x"),
    ExecutionHistoryView(as_of=NOW, plans=(), fills=0),
]


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: a.kind)
def test_every_answer_comes_back_as_its_model(answer: object) -> None:
    sent = CommandResult(ok=True, message="m", data=answer)  # type: ignore[arg-type]
    wire = decode(result_message(5, sent))
    assert wire["data"]["kind"] == sent.data.kind  # type: ignore[union-attr]
    assert "title" not in wire and "retryable" not in wire  # only failures carry them
    back = parse_result(wire)
    assert back == sent and type(back.data) is type(answer)


def test_a_failure_keeps_its_title_and_whether_it_may_be_retried() -> None:
    for exc, title, retryable in (
        (NetworkError("venue timed out"), "Network trouble", True),
        (GateRefused("max_notional", "order too large"), GateRefused.title, False),
        (ValueError("not a plan"), "Refused", False),
    ):
        failed = CommandResult.failure(exc)
        back = parse_result(decode(result_message(1, failed)))
        assert not back.ok and back.message == str(exc)
        assert (back.title, back.retryable) == (title, retryable)


def test_a_malformed_answer_names_the_field() -> None:
    wire = {"type": "result", "id": 1, "ok": True, "message": "", "data": {"kind": "nope"}}
    with pytest.raises(ProtocolError, match="bad result at data"):
        parse_result(wire)
    preview = ANSWERS[0].model_dump(mode="json")
    preview["orders"][0]["qty"] = "lots"
    with pytest.raises(ProtocolError, match=r"data\.plan_preview\.orders\.0\.qty"):
        parse_result({**wire, "data": preview})
