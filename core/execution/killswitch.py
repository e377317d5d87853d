"""The kill switch at work in a running core: engage, cancel, flatten, re-arm; the breakers.

:mod:`.safety` holds the pure parts (the levels, the breakers' arithmetic, the flatten
orders); this module carries them out on the order manager. Engaging disables trading under
the ``kill_switch`` key (audited, saved, every plan run aborted); ``cancelled`` also cancels
every open order, and ``flattened`` sells free balances into the configured asset (those
orders alone may pass the disabled gate). The breakers engage ``paused`` on their own.
Re-arming is manual. The state is saved in ``exec_flags`` so an engaged switch survives a
restart.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.errors import GateRefused
from core.execution.flags import load_flag, save_flag
from core.execution.manager import OrderManager
from core.execution.ports import EventSink
from core.execution.safety import Breakers, KillLevel, KillSwitch, flatten_orders
from core.execution.settings import BreakerConfig
from core.models import EventKind, EventLevel, Instrument, LogEvent, utcnow
from core.store import Store
from core.store.db import to_ns

KILL_KEY = "kill_switch"
Spawn = Callable[[str, Coroutine[Any, Any, Any]], object]


class SafetyControl:
    """The kill switch and the circuit breakers of one order manager."""

    def __init__(
        self,
        config: BreakerConfig,
        *,
        emit: EventSink,
        spawn: Spawn,
        instruments: Callable[[], Iterable[Instrument]],
        on_engage: Callable[[], None],
    ) -> None:
        self.config = config
        self.kill = KillSwitch()
        self.breakers = Breakers(config)
        self.manager: OrderManager | None = None
        """Bound by :meth:`restore` once the core's manager exists."""
        self.store: Store | None = None
        self._emit = emit
        self._spawn = spawn
        self._instruments = instruments
        self._on_engage = on_engage

    async def restore(self, manager: OrderManager, store: Store) -> None:
        """Bind to ``manager`` and resume the switch saved before a restart (still engaged)."""
        self.manager, self.store = manager, store
        saved = await load_flag(store, KILL_KEY)
        if saved is not None:
            self.kill = KillSwitch.from_json(saved)
            if self.kill.engaged:
                manager.disable(
                    KILL_KEY, f"kill switch {self.kill.level.label}: {self.kill.reason}"
                )
                # Never a silent surprise (e.g. a breaker that tripped while the last run
                # was stopping): say what is engaged, since when and why.
                since = f" since {self.kill.since:%Y-%m-%d %H:%M:%S} UTC" if self.kill.since else ""
                self._alert(
                    f"kill switch still {self.kill.level.label} from a previous run{since}: "
                    f"{self.kill.reason or 'no reason saved'}; re-arm (R) to trade",
                    EventLevel.WARNING,
                )

    async def engage(
        self, level: KillLevel | None, reason: str, *, actor: str = "operator"
    ) -> KillLevel:
        """Escalate the kill switch (to ``level``, or one step) and carry out that level."""
        assert self.manager is not None
        target = (
            level if level is not None else KillLevel(min(self.kill.level + 1, KillLevel.FLATTENED))
        )
        await self.manager.audit.append(
            "kill_switch.engage", actor, {"level": target.label, "reason": reason}
        )
        if not self.kill.escalate(target, reason, utcnow()):
            return self.kill.level
        self.manager.disable(KILL_KEY, f"kill switch {target.label}: {reason}")
        await self._save()
        self._on_engage()
        self._alert(f"kill switch → {target.label} ({reason})")
        if target >= KillLevel.CANCELLED:
            await self.manager.cancel_all(actor=actor)
        if target >= KillLevel.FLATTENED:
            await self._flatten(actor)
        return self.kill.level

    async def _flatten(self, actor: str) -> None:
        """Sell every free balance into ``flatten_to``; a refused sell is reported, not fatal."""
        assert self.manager is not None
        free = {
            venue: {a: b.free for a, b in rows.items()}
            for venue, rows in self.manager.balances.items()
        }
        prefix = f"flat-{to_ns(utcnow())}"
        orders = flatten_orders(free, self._instruments(), self.config.flatten_to, prefix=prefix)
        for request in orders:
            try:
                await self.manager.place(request, actor=actor, override=KILL_KEY)
            except GateRefused as exc:
                self._alert(
                    f"flatten {request.symbol} refused: {exc}",
                    EventLevel.WARNING,
                    venue=request.venue,
                    symbol=request.symbol,
                )

    async def rearm(self, *, actor: str = "operator") -> None:
        """Release the switch and reset the breakers; trading resumes (if nothing else bars it)."""
        assert self.manager is not None
        await self.manager.audit.append("kill_switch.rearm", actor, {"was": self.kill.level.label})
        self.kill.rearm()
        self.breakers.errors.clear()
        self.breakers.peak_day = None
        self.manager.enable(KILL_KEY)
        await self._save()
        self._emit(LogEvent(ts=utcnow(), kind=EventKind.SYSTEM, message="kill switch re-armed"))

    def _alert(
        self,
        message: str,
        level: EventLevel = EventLevel.ALERT,
        *,
        venue: str | None = None,
        symbol: str | None = None,
    ) -> None:
        """Log an alert-kind event (what the kill switch did, or could not do)."""
        self._emit(
            LogEvent(
                ts=utcnow(),
                kind=EventKind.ALERT,
                level=level,
                message=message,
                venue=venue,
                symbol=symbol,
            )
        )

    async def _save(self) -> None:
        assert self.store is not None
        await save_flag(self.store, KILL_KEY, self.kill.to_json())

    def on_venue_error(self, exc: BaseException) -> None:
        """A retryable venue error: a burst of them pauses trading (in a task of its own)."""
        reason = self.breakers.on_error(utcnow())
        if reason and self.kill.level < KillLevel.PAUSED:
            self._spawn(
                "exec:breaker", self.engage(KillLevel.PAUSED, f"breaker: {reason}", actor="breaker")
            )

    async def check(
        self, portfolio_usd: Decimal, feed_ages: Mapping[str, float | None], now: datetime
    ) -> None:
        """The periodic breakers: daily loss, then each venue's market-data silence."""
        trips = [self.breakers.on_value(portfolio_usd, now)]
        for name, age_s in feed_ages.items():
            trips.append(self.breakers.on_feed_age(name, age_s))
        for reason in trips:
            if reason:
                await self.engage(KillLevel.PAUSED, f"breaker: {reason}", actor="breaker")
