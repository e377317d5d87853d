"""Kill switch and circuit breakers: pure state, and a burst of venue errors tripping the core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from core.bootstrap import build_core
from core.config import Settings
from core.errors import NetworkError
from core.execution.safety import Breakers, KillLevel, KillSwitch, flatten_orders
from core.execution.settings import BreakerConfig
from core.models import Instrument, Side

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_kill_switch_only_escalates_and_survives_a_round_trip() -> None:
    kill = KillSwitch()
    assert kill.escalate(KillLevel.CANCELLED, "ops", T0)
    assert not kill.escalate(KillLevel.PAUSED, "lower", T0)
    assert kill.level is KillLevel.CANCELLED and kill.reason == "ops"
    again = KillSwitch.from_json(kill.to_json())
    assert again == kill
    again.rearm()
    assert not again.engaged


def test_daily_loss_is_measured_from_the_peak_and_resets_at_midnight() -> None:
    b = Breakers(BreakerConfig(daily_loss_pct=5.0))
    assert b.on_value(Decimal(100_000), T0) is None
    assert b.on_value(Decimal(110_000), T0 + timedelta(hours=1)) is None  # new peak
    # 104,600 is up on the day's open but 4.9 % below the peak: still fine.
    assert b.on_value(Decimal(104_600), T0 + timedelta(hours=2)) is None
    reason = b.on_value(Decimal(104_500), T0 + timedelta(hours=3))
    assert reason is not None and "5.00%" in reason and "110,000.00" in reason
    # Next UTC day: the peak starts again from the first value.
    assert b.on_value(Decimal(90_000), T0 + timedelta(days=1)) is None


def test_error_burst_counts_only_within_the_window() -> None:
    b = Breakers(BreakerConfig(error_burst=3, error_window_s=10))
    assert b.on_error(T0) is None
    assert b.on_error(T0 + timedelta(seconds=5)) is None
    assert b.on_error(T0 + timedelta(seconds=11)) is None  # the first fell out of the window
    assert b.on_error(T0 + timedelta(seconds=12)) == "3 venue errors within 10s"


def test_stale_data_breaker() -> None:
    b = Breakers(BreakerConfig(stale_data_s=30))
    assert b.on_feed_age("kraken", None) is None
    assert b.on_feed_age("kraken", 29.0) is None
    assert "kraken market data silent" in (b.on_feed_age("kraken", 31.0) or "")


def test_flatten_sells_every_non_stable_on_its_venue_market() -> None:
    def inst(venue: str, base: str, quote: str = "USDT") -> Instrument:
        return Instrument(
            venue=venue,
            symbol=f"{base}/{quote}",
            base=base,
            quote=quote,
            price_tick=Decimal("0.01"),
            qty_step=Decimal("0.001"),
            min_qty=Decimal("0.01"),
        )

    instruments = [inst("a", "BTC"), inst("a", "ETH"), inst("b", "ETH"), inst("a", "SOL", "USD")]
    free = {
        "a": {
            "BTC": Decimal("0.12345"),
            "ETH": Decimal("0.005"),
            "SOL": Decimal(3),
            "USDT": Decimal(9),
        },
        "b": {"ETH": Decimal("2.5")},
    }
    orders = flatten_orders(free, instruments, "USDT", prefix="k1")
    got = [(o.venue, o.symbol, o.qty, o.side) for o in orders]
    # ETH on a is below the minimum; SOL has no USDT market on a: both left (and reported).
    assert got == [
        ("a", "BTC/USDT", Decimal("0.123"), Side.SELL),
        ("b", "ETH/USDT", Decimal("2.500"), Side.SELL),
    ]
    assert [o.client_order_id for o in orders] == ["k1-a-BTC", "k1-b-ETH"]


async def test_a_burst_of_venue_errors_pauses_trading(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {
            "store": {"path": str(tmp_path / "b.db")},
            "sim": {"history_days": 60},
            "execution": {
                "paper": {"latency_ms": 0, "jitter_ms": 0},
                "breakers": {"error_burst": 3},
            },
        }
    )
    core = build_core(settings)
    await core.start()
    try:
        service = core.execution
        assert service is not None
        for _ in range(3):
            service.safety.on_venue_error(NetworkError("HTTP 502"))
        task = next(t for t in list(core.tasks.tasks) if t.get_name() == "exec:breaker")
        await task
        state = core.publish()
        assert state.kill_level == 1 and not state.trading_enabled
        assert "venue errors" in (state.trading_reason or "")
        rows = await core.store.fetch_all(
            "SELECT actor, payload FROM audit WHERE kind = 'kill_switch.engage'"
        )  # type: ignore[union-attr]
        assert rows and rows[0][0] == "breaker"
    finally:
        await core.stop()
    # The kill switch is persisted: a restart stays paused until re-armed by hand.
    core = build_core(settings)
    await core.start()
    try:
        assert core.publish().kill_level == 1 and not core.publish().trading_enabled
    finally:
        await core.stop()
