"""The kill switch and the circuit breakers: pure state, no I/O.

The kill switch is graduated and only ever escalates on its own:

1. ``paused``: no new orders (open ones keep working);
2. ``cancelled``: no new orders and every open order cancelled;
3. ``flattened``: all that, and every non-stable holding on a trading venue sold into the
   configured stablecoin (these sells still pass the gate's other rules).

Breakers trip it to ``paused``: a daily loss measured from the day's peak portfolio value, a
burst of venue errors, or a trading venue whose market data went silent. Re-arming is always
a manual operator action (:meth:`KillSwitch.rearm`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum

from core.execution.settings import BreakerConfig
from core.models import ZERO, Instrument, OrderRequest, OrderType, Side


class KillLevel(IntEnum):
    ARMED = 0
    PAUSED = 1
    CANCELLED = 2
    FLATTENED = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(slots=True)
class KillSwitch:
    level: KillLevel = KillLevel.ARMED
    reason: str = ""
    since: datetime | None = None

    @property
    def engaged(self) -> bool:
        return self.level > KillLevel.ARMED

    def escalate(self, level: KillLevel, reason: str, now: datetime) -> bool:
        """Raise the level (never lower it); returns whether anything changed."""
        if level <= self.level:
            return False
        self.level, self.reason, self.since = level, reason, now
        return True

    def rearm(self) -> None:
        self.level, self.reason, self.since = KillLevel.ARMED, "", None

    def to_json(self) -> dict[str, object]:
        return {
            "level": int(self.level),
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> KillSwitch:
        since = data.get("since")
        return cls(
            KillLevel(int(str(data["level"]))),
            str(data.get("reason", "")),
            datetime.fromisoformat(since) if isinstance(since, str) else None,
        )


@dataclass(slots=True)
class Breakers:
    """Tracks what the breakers watch; each ``on_*`` returns a trip reason or None."""

    config: BreakerConfig
    peak_day: date | None = None
    peak_usd: Decimal = ZERO
    errors: deque[datetime] = field(default_factory=deque)

    def on_value(self, total_usd: Decimal, now: datetime) -> str | None:
        """Daily loss from the day's peak (the peak resets at each UTC midnight)."""
        if self.config.daily_loss_pct is None or total_usd <= 0:
            return None
        if self.peak_day != now.date():
            self.peak_day, self.peak_usd = now.date(), total_usd
        self.peak_usd = max(self.peak_usd, total_usd)
        loss = (self.peak_usd - total_usd) / self.peak_usd * 100
        if loss >= Decimal(str(self.config.daily_loss_pct)):
            return (
                f"daily loss {loss:.2f}% from today's peak ${self.peak_usd:,.2f} "
                f"(limit {self.config.daily_loss_pct}%)"
            )
        return None

    def on_error(self, now: datetime) -> str | None:
        """A venue error; trips when ``error_burst`` fall within ``error_window_s``."""
        self.errors.append(now)
        while self.errors and (now - self.errors[0]).total_seconds() > self.config.error_window_s:
            self.errors.popleft()
        if len(self.errors) >= self.config.error_burst:
            return f"{len(self.errors)} venue errors within {self.config.error_window_s:.0f}s"
        return None

    def on_feed_age(self, venue: str, age_s: float | None) -> str | None:
        if age_s is not None and age_s > self.config.stale_data_s:
            return f"{venue} market data silent for {age_s:.0f}s"
        return None


def flatten_orders(
    free: Mapping[str, Mapping[str, Decimal]],
    instruments: Iterable[Instrument],
    stable: str,
    *,
    prefix: str,
    keep: Iterable[str] = ("USD", "USDT", "USDC", "EUR"),
) -> list[OrderRequest]:
    """Market sells of every free non-stable balance into ``stable``, per venue.

    ``free`` is venue -> asset -> free qty. Assets without a direct ``ASSET/stable`` market on
    their venue are left alone (the kill switch reports them).
    """
    kept = {*keep, stable}
    markets = {(i.venue, i.base): i for i in instruments if i.quote == stable}
    out: list[OrderRequest] = []
    for venue, balances in sorted(free.items()):
        for asset, qty in sorted(balances.items()):
            inst = markets.get((venue, asset))
            if asset in kept or inst is None:
                continue
            size = inst.round_qty(qty)
            if size <= 0 or size < inst.min_qty:
                continue
            out.append(
                OrderRequest(
                    client_order_id=f"{prefix}-{venue}-{asset}",
                    venue=venue,
                    symbol=inst.symbol,
                    side=Side.SELL,
                    type=OrderType.MARKET,
                    qty=size,
                    reason="kill switch: flatten",
                )
            )
    return out
