"""Hand-built, fixed snapshots for widget and SVG snapshot tests (no live core, no clock)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from core.candles import ChartView, Timeframe, aggregate
from core.config import GROUPS
from core.models import (
    BookIntegrity,
    BookLevel,
    BookSnapshot,
    EventKind,
    EventLevel,
    LogEvent,
    Price,
    PriceSource,
    Side,
)
from core.plan.models import (
    PendingOrder,
    PlanOrder,
    PlanTotals,
    SkippedItem,
    SkipReason,
    TransferHint,
)
from core.plan.outcome import OrderOutcome, OutcomeGroup, OutcomeOrder, PlanOutcome
from core.views import (
    GroupTotal,
    HoldingRow,
    HoldingsView,
    PlanGroupRow,
    PlanView,
    SourceTotal,
)

AT = datetime(2025, 3, 14, 12, 30, 0, tzinfo=UTC)


def _row(
    asset: str,
    group: str,
    where: str,
    qty: str,
    price: str | None,
    change: float | None,
    *,
    stale: bool = False,
    source: PriceSource = PriceSource.BOOK_MID,
    tradable: bool = True,
) -> tuple[str, str, str, Decimal, Price, float | None, bool]:
    value = Price(
        asset=asset, value=Decimal(price) if price else None, source=source, ts=AT, stale=stale
    )
    return asset, group, where, Decimal(qty), value, change, tradable


def holdings() -> HoldingsView:
    """Five positions: a gain, a loss, a flat one, a stale price, and a cold-wallet holding."""
    raw = [
        _row("BTC", "BTC", "sim-a:spot", "0.5", "60000", 0.021),
        _row("BTC", "BTC", "ledger:cold", "0.25", "60000", 0.021, tradable=False),
        _row("ETH", "ETH", "sim-b:spot", "4", "3000", -0.034),
        _row("USDT", "Stablecoins", "sim-a:spot", "5000", "1", 0.0, source=PriceSource.CONFIG),
        _row("DOGE", "Memecoins", "sim-b:spot", "10000", "0.12", -0.11, stale=True),
    ]
    values = [q * (p.value or Decimal(0)) for _, _, _, q, p, _, _ in raw]
    total = sum(values, Decimal(0))
    # Cost bases from fills: BTC on sim-a fully covered (bought at 50,000: +$5,000); ETH on
    # sim-b covered for 3 of its 4 (avg 3,500 at 3,000: -$1,500, partial); the rest unknown.
    basis = {
        ("BTC", "sim-a:spot"): (Decimal(50000), Decimal("0.5"), True),
        ("ETH", "sim-b:spot"): (Decimal(3500), Decimal(3), False),
    }

    def pnl(asset: str, where: str, price: Price) -> dict[str, Any]:
        known = basis.get((asset, where))
        if known is None or price.value is None:
            return {}
        cost, covered, complete = known
        return {
            "cost_basis": cost,
            "unrealised_pnl": covered * (price.value - cost),
            "pnl_qty": covered,
            "pnl_complete": complete,
        }

    rows = tuple(
        HoldingRow(
            asset=a,
            group=g,
            location_id=w,
            tradable=t,
            qty=q,
            price=p,
            value=v,
            weight=float(v / total),
            change_24h=c,
            **pnl(a, w, p),
        )
        for (a, g, w, q, p, c, t), v in zip(raw, values, strict=True)
    )

    def totals(key: str) -> tuple[GroupTotal, ...]:
        sums: dict[str, Decimal] = {}
        for row in rows:
            name = row.group if key == "group" else row.location_id
            sums[name] = sums.get(name, Decimal(0)) + row.value
        ordered = sorted(sums.items(), key=lambda kv: -kv[1])
        return tuple(GroupTotal(group=n, value=v, weight=float(v / total)) for n, v in ordered)

    return HoldingsView(
        as_of=AT,
        total=total,
        rows=rows,
        groups=totals("group"),
        locations=totals("location"),
        stale_prices=1,
        history=(212_000.0, 212_900.0, 211_500.0, 213_400.0, 214_000.0, 214_200.0),
    )


def imported_holdings() -> HoldingsView:
    """A venue account beside an import 90 days old (BTC and ETH in a cold wallet), in paper
    mode: the real account behind the paper one is listed apart."""
    imported_at = AT - timedelta(days=90)

    def row(asset: str, where: str, qty: str, price: str, *, imported: bool) -> HoldingRow:
        return HoldingRow(
            asset=asset,
            group=asset,
            location_id=where,
            tradable=not imported,
            custody="cold" if imported else "exchange",
            qty=Decimal(qty),
            price=Price(asset=asset, value=Decimal(price), source=PriceSource.BOOK_MID, ts=AT),
            value=Decimal(qty) * Decimal(price),
            weight=0.0,
            source="cointracking" if imported else "sim-a",
            as_of=imported_at if imported else AT,
            imported=imported,
        )

    rows = (
        row("BTC", "sim-a:spot", "0.5", "60000", imported=False),
        row("BTC", "ledger:cold", "0.25", "60000", imported=True),
        row("ETH", "ledger:cold", "4", "3000", imported=True),
    )
    total = sum((r.value for r in rows), Decimal(0))
    rows = tuple(r.model_copy(update={"weight": float(r.value / total)}) for r in rows)
    sources = (
        SourceTotal(source="sim-a", value=Decimal(30000), rows=1, as_of=AT),
        SourceTotal(
            source="cointracking", value=Decimal(27000), rows=2, as_of=imported_at, imported=True
        ),
    )
    real = (SourceTotal(source="sim-a", value=Decimal(31000), rows=1, as_of=AT),)
    groups = (
        GroupTotal(group="BTC", value=Decimal(45000), weight=45 / 57),
        GroupTotal(group="ETH", value=Decimal(12000), weight=12 / 57),
    )
    return HoldingsView(
        as_of=AT,
        total=total,
        rows=rows,
        groups=groups,
        locations=(),
        sources=sources,
        real=real,
    )


def _order(seq: int, symbol: str, side: Side, qty: str, limit: str, notional: str) -> PlanOrder:
    base = symbol.split("/")[0]
    return PlanOrder(
        seq=seq,
        venue="sim-a",
        symbol=symbol,
        side=side,
        qty=Decimal(qty),
        limit_price=Decimal(limit),
        est_avg_price=Decimal(limit),
        mid=Decimal(limit),
        quote="USDT",
        asset=base,
        group="BTC" if base == "BTC" else "ETH",
        notional_usd=Decimal(notional),
        fee_usd=Decimal(notional) / 1000,
        slippage_usd=Decimal(0),
    )


def plan(*, stale: bool = False) -> PlanView:
    """All 11 groups; BTC over target and out of band, ETH under; a sell and a buy."""
    current = [41.0, 14.5, 10.0, 8.0, 9.0, 4.0, 5.0, 4.0, 2.0, 1.5, 1.0]
    target = [35.0, 20.0, 10.0, 8.0, 9.0, 4.0, 5.0, 4.0, 2.0, 2.0, 1.0]
    post = [35.1, 19.9, 10.0, 8.0, 9.0, 4.0, 5.0, 4.0, 2.0, 2.0, 1.0]
    rows = tuple(
        PlanGroupRow(
            group=g, current_pct=c, target_pct=t, drift_pct=c - t, band_pct=5.0, post_pct=a
        )
        for g, c, t, a in zip(GROUPS, current, target, post, strict=True)
    )
    orders = (
        _order(1, "BTC/USDT", Side.SELL, "0.1", "59990", "5999"),
        _order(2, "ETH/USDT", Side.BUY, "1.99", "3001", "5971.99"),
    )
    totals = PlanTotals(
        sells_usd=Decimal(5999),
        buys_usd=Decimal("5971.99"),
        turnover_usd=Decimal("11970.99"),
        fees_usd=Decimal("11.97"),
        slippage_usd=Decimal(0),
        net_cash_flow_usd=Decimal("15.04"),
        cash_target_change_usd=Decimal(0),
        net_usd=Decimal("15.04"),
        skipped_usd=Decimal(12),
        residual_drift_max_pp=Decimal("0.1"),
        # As summarise computes them: fees + slippage + 1 per order + 1; the skipped $12 buy.
        undone_usd=Decimal(12),
        net_slack_usd=Decimal("14.97"),
        net_within_fees=False,
        net_explained=True,
    )
    return PlanView(
        as_of=AT,
        total=Decimal(100_000),
        groups=rows,
        turnover=Decimal("11970.99"),
        plan_id="plan-0123456789abcdef",
        expires_at=AT.replace(year=2999) if not stale else AT,
        preset="fixed",
        presets=("fixed", "bands", "regime"),
        orders=orders,
        totals=totals,
        skipped=1,
        transfers=1,
        skipped_items=(
            SkippedItem(
                asset="XYZ",
                group="Others",
                usd=Decimal(12),
                reason=SkipReason.BELOW_MINIMUM,
                detail="$12 is under the $20 minimum",
                side=Side.BUY,
            ),
        ),
        transfer_hints=(
            TransferHint(
                asset="BTC",
                qty=Decimal("0.25"),
                usd=Decimal(15_000),
                from_location="ledger:cold",
                to_venue="sim-a",
                reason="cold storage cannot trade",
            ),
        ),
        stale=stale,
        stale_reasons=("sim-a:BTC/USDT: price moved 1.20% (> 1%)",) if stale else (),
    )


def executed_plan() -> PlanView:
    """The plan after its run: one order still open, one never sent (indicative), a resting
    order of an earlier plan pending, and the drift promised against the drift reached."""
    view = plan()
    indicative = _order(3, "SOL/USD", Side.BUY, "5", "150", "750").model_copy(
        update={"venue": "kraken", "indicative": True, "asset": "SOL", "group": "SOL"}
    )
    reached = [35.4, 17.2, 12.6, 8.0, 9.0, 4.0, 5.0, 4.0, 2.0, 1.8, 1.0]
    outcome = PlanOutcome(
        plan_id=view.plan_id or "",
        plan_as_of=AT,
        checked_at=AT,
        valued_at=AT.replace(minute=34),
        groups=tuple(
            OutcomeGroup(
                group=r.group,
                target_pct=Decimal(str(r.target_pct)),
                promised_drift_pp=Decimal(str(round((r.post_pct or 0) - r.target_pct, 2))),
                reached_pct=Decimal(str(x)),
                reached_drift_pp=Decimal(str(round(x - r.target_pct, 2))),
            )
            for r, x in zip(view.groups, reached, strict=True)
        ),
        orders=(
            OutcomeOrder(
                client_order_id="plan-0123456789abcdef-0001",
                seq=1,
                venue="sim-a",
                symbol="BTC/USDT",
                side=Side.SELL,
                qty=Decimal("0.1"),
                filled_qty=Decimal("0.1"),
                outcome=OrderOutcome.FILLED,
                why="filled at 59990",
            ),
            OutcomeOrder(
                client_order_id="plan-0123456789abcdef-0002",
                seq=2,
                venue="sim-a",
                symbol="ETH/USDT",
                side=Side.BUY,
                qty=Decimal("1.99"),
                filled_qty=Decimal("0.5"),
                outcome=OrderOutcome.OPEN,
                why="unfilled limit at 3001 (0.5 of 1.99 filled)",
            ),
            OutcomeOrder(
                client_order_id="plan-0123456789abcdef-0003",
                seq=3,
                venue="kraken",
                symbol="SOL/USD",
                side=Side.BUY,
                qty=Decimal(5),
                outcome=OrderOutcome.NOT_SENT,
                why="indicative: no live book on kraken, never sent",
            ),
        ),
        promised_max_pp=Decimal("0.1"),
        reached_max_pp=Decimal("2.8"),
    )
    pending = PendingOrder(
        client_order_id="plan-fedcba9876543210-0004",
        venue="sim-a",
        symbol="DOT/USDT",
        side=Side.BUY,
        remaining_qty=Decimal(120),
        price=Decimal("4.1"),
        usd=Decimal(492),
        plan_id="plan-fedcba9876543210",
        location_id="sim-a:spot",
    )
    return view.model_copy(
        update={
            "orders": (*view.orders, indicative),
            "indicative": True,
            "executed": True,
            "pending": (pending,),
            "outcome": outcome,
        }
    )


def book(integrity: BookIntegrity = BookIntegrity.VERIFIED) -> BookSnapshot:
    """Six levels a side around 60,000 with a 1.0 spread."""
    asks = tuple(
        BookLevel(price=Decimal("60000.5") + i * Decimal("1.5"), qty=Decimal("0.25") * (i + 1))
        for i in range(6)
    )
    bids = tuple(
        BookLevel(price=Decimal("59999.5") - i * Decimal("1.5"), qty=Decimal("0.3") * (i + 1))
        for i in range(6)
    )
    return BookSnapshot(
        venue="sim-a", symbol="BTC/USDT", bids=bids, asks=asks, ts=AT, integrity=integrity
    )


def events() -> tuple[LogEvent, ...]:
    """Oldest first: start-up, an order filled, a rejected order, a large print."""
    return (
        LogEvent(ts=AT, kind=EventKind.SYSTEM, message="cockpit 0.1.0 started in PAPER mode"),
        LogEvent(
            ts=AT.replace(second=5),
            kind=EventKind.ORDER_FILLED,
            message="filled buy 0.1 BTC/USDT @ 60000",
            venue="sim-a",
            symbol="BTC/USDT",
            side=Side.BUY,
            qty=Decimal("0.1"),
            price=Decimal(60000),
            slippage_bps=1.5,
            latency_ms=42.0,
        ),
        LogEvent(
            ts=AT.replace(second=9),
            kind=EventKind.ORDER_REJECTED,
            level=EventLevel.WARNING,
            message="rejected sell 9 ETH/USDT (insufficient balance)",
            venue="sim-b",
            symbol="ETH/USDT",
            side=Side.SELL,
        ),
        LogEvent(
            ts=AT.replace(second=12),
            kind=EventKind.MARKET,
            level=EventLevel.DEBUG,
            message="▼ print sell 2 BTC @ 59990 ($119,980)",
            venue="sim-a",
            symbol="BTC/USDT",
            side=Side.SELL,
        ),
    )


def chart_view(count: int = 120) -> ChartView:
    """``count`` one-minute candles of a seeded random walk around 60,000, ending at ``AT``."""
    rnd = random.Random(13)
    price = 60_000.0
    start = AT - timedelta(minutes=count)
    prints = []
    for second in range(0, count * 60, 7):
        price *= 1 + rnd.gauss(0, 0.0007)
        prints.append(
            (
                start + timedelta(seconds=second),
                Decimal(f"{price:.1f}"),
                Decimal(f"{rnd.random():.3f}"),
            )
        )
    return ChartView(
        venue="sim-a",
        symbol="BTC/USDT",
        timeframe=Timeframe.M1,
        candles=aggregate(prints, Timeframe.M1),
        until=AT,
    )
