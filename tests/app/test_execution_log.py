"""The execution log pane: lifecycle view with per-step latency, venue/symbol/level filters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.models import EventKind, EventLevel, LogEvent, Side
from tests.app import samples
from tests.app.harness import Harness
from widgets.execution_log import ExecutionLog, lifecycles


def order_events() -> tuple[LogEvent, ...]:
    """Oldest first: o1 on sim-a submitted, acked, partly then fully filled; o2 rejected."""

    def ev(sec: int, kind: EventKind, coid: str, latency: float | None, **kw: object) -> LogEvent:
        venue, symbol = ("sim-a", "BTC/USDT") if coid == "o1" else ("sim-b", "ETH/USDT")
        return LogEvent(
            ts=samples.AT + timedelta(seconds=sec),
            kind=kind,
            message=f"{kind.value} {coid}",
            venue=venue,
            symbol=symbol,
            client_order_id=coid,
            side=Side.BUY,
            qty=Decimal("0.5"),
            latency_ms=latency,
            **kw,  # type: ignore[arg-type]
        )

    return (
        LogEvent(ts=samples.AT, kind=EventKind.SYSTEM, message="started"),
        ev(1, EventKind.ORDER_SUBMITTED, "o1", 3.0),
        ev(1, EventKind.ORDER_ACKED, "o1", 12.0),
        ev(2, EventKind.ORDER_PARTIAL, "o1", 30.0),
        ev(2, EventKind.ORDER_SUBMITTED, "o2", 2.0),
        ev(3, EventKind.ORDER_FILLED, "o1", 45.0, slippage_bps=2.5),
        ev(3, EventKind.ORDER_REJECTED, "o2", 9.0, level=EventLevel.WARNING),
    )


def test_lifecycle_steps_carry_their_own_latency() -> None:
    lives = lifecycles(order_events())
    assert list(lives) == ["o1", "o2"]
    # submit: 3 ms before sending; ack 12 ms after; the fills 18 and 15 ms after the step before.
    assert lives["o1"].steps == [("submit", 3.0), ("ack", 12.0), ("fill", 18.0), ("filled", 15.0)]
    assert lives["o2"].steps == [("submit", 2.0), ("rejected", 9.0)]


async def test_filters_by_venue_symbol_and_level_show_in_the_subtitle() -> None:
    log = ExecutionLog(id="subject")
    async with Harness(log).run_test(size=(120, 24)) as pilot:
        log.update_events(order_events())
        await pilot.pause()
        text = [log.line_text(i) for i in range(log.line_count)]
        assert len(text) == 7
        # The filled step shows its time since sending and its own step latency.
        filled = next(t for t in text if "order_filled o1" in t)
        assert filled.endswith("slip +2.5bp 45ms (+15)")
        await pilot.press("v")
        assert log.venue == "sim-a"
        assert log.border_subtitle == "filter: all · venue: sim-a · 7 events"
        assert log.line_count == 4
        await pilot.press("v")
        assert log.venue == "sim-b" and log.line_count == 2
        await pilot.press("s")
        assert log.symbol == "ETH/USDT"
        assert "symbol: ETH/USDT" in log.border_subtitle
        await pilot.press("l", "l")
        assert log.border_subtitle == (
            "filter: all · venue: sim-b · symbol: ETH/USDT · level ≥ warning · 7 events"
        )
        assert [log.line_text(i).split()[1] for i in range(log.line_count)] == ["REJECT"]
        await pilot.press("v", "s", "l", "l")  # back to no filters
        assert log.border_subtitle == "filter: all · 7 events"
        assert log.line_count == 7


class LogHarness(Harness):
    history_requests = 0

    def on_execution_log_history_requested(self) -> None:
        self.history_requests += 1


async def test_lifecycle_view_is_one_row_per_order_with_step_latencies() -> None:
    log = ExecutionLog(id="subject")
    app = LogHarness(log)
    async with app.run_test(size=(140, 24)) as pilot:
        log.update_events(order_events())
        await pilot.press("o")
        assert log.border_subtitle == "lifecycle · 7 events"
        rows = [log.line_text(i) for i in range(log.line_count)]
        assert len(rows) == 2
        assert rows[0].startswith("12:30:02 o2")
        assert "submit 2ms → rejected 9ms" in rows[0]
        assert "submit 3ms → ack 12ms → fill 18ms → filled 15ms  slip +2.5bp" in rows[1]
        await pilot.press("v")  # the venue filter applies to the lifecycle rows too
        assert log.line_count == 1 and " o1 " in log.line_text(0)
        await pilot.press("h")
        await pilot.pause()
        assert app.history_requests == 1
