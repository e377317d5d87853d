"""Alerts: configured rules evaluated against each published state (sans-I/O).

:class:`AlertEngine` is a plain object: ``evaluate(state, now)`` returns the alerts to raise,
edge-triggered (a rule fires when its condition becomes true, not on every state while it
stays true) and rate-limited per rule (``alerts.min_interval_s``). :class:`AlertMonitor` wires
it to a core: alerts become ``alert`` events, so they reach the execution log, the store (the
journal of every alert), attached TUIs (which notify and ring the bell) and the daemon's
command/webhook dispatcher.

Rules (``alerts.rules``): ``price_above``/``price_below`` (USD price of ``symbol`` from the
holdings pane crosses ``level``), ``drawdown`` (current drawdown beyond ``level``, a fraction),
``var`` (1-day historical 95 % VaR beyond ``level``), ``feed_stale`` (a feed not live),
``order_rejected`` (such an event appeared in the log) and ``kill_switch`` (the state's
``kill_level`` is engaged: fires when it trips and again on each escalation).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from core.daemon.settings import AlertRule, AlertsConfig
from core.execution.safety import KillLevel
from core.models import EventKind, EventLevel, FeedState, LogEvent, utcnow
from core.statecodec import new_events
from core.views import CockpitState

if TYPE_CHECKING:
    from core.service import Core


def _price(state: CockpitState, symbol: str) -> Decimal | None:
    if state.holdings is None:
        return None
    for row in state.holdings.rows:
        if row.asset == symbol and row.price.value is not None:
            return row.price.value
    return None


def condition(rule: AlertRule, state: CockpitState, added: tuple[LogEvent, ...]) -> str | None:
    """Why ``rule`` holds in ``state`` (a short text), or None when it does not."""
    level = rule.level
    if rule.kind in ("price_above", "price_below"):
        price = _price(state, rule.symbol or "")
        if price is None or level is None:
            return None
        if rule.kind == "price_above" and price > level:
            return f"{rule.symbol} {price} above {level}"
        if rule.kind == "price_below" and price < level:
            return f"{rule.symbol} {price} below {level}"
        return None
    if rule.kind in ("drawdown", "var"):
        report = state.risk.report if state.risk is not None else None
        if report is None or level is None:
            return None
        if rule.kind == "drawdown":
            value = report.drawdown.current
            what = "drawdown"
        else:
            value = report.var.get("historical", {}).get("95")
            what = "1-day 95% VaR"
        if value is not None and value > float(level):
            return f"{what} {value:.2%} beyond {float(level):.2%}"
        return None
    if rule.kind == "feed_stale":
        bad = [f"{f.venue} {f.state.value}" for f in state.feeds if f.state is not FeedState.LIVE]
        return f"feed {', '.join(bad)}" if bad else None
    if rule.kind == "order_rejected":
        rejected = [e for e in added if e.kind is EventKind.ORDER_REJECTED]
        return rejected[-1].message if rejected else None
    if rule.kind == "kill_switch":
        if state.kill_level <= KillLevel.ARMED:
            return None
        label = KillLevel(min(state.kill_level, KillLevel.FLATTENED)).label
        return f"kill switch {label}" + (
            f" ({state.trading_reason})" if state.trading_reason else ""
        )
    return None


class AlertEngine:
    """Edge-triggered, rate-limited evaluation of the configured rules."""

    def __init__(self, config: AlertsConfig) -> None:
        self.config = config
        self._active: set[str] = set()
        self._last_fired: dict[str, datetime] = {}
        self._events: tuple[LogEvent, ...] | None = None
        self._kill_level = 0

    def evaluate(self, state: CockpitState, now: datetime) -> list[LogEvent]:
        previous = self._events
        self._events = state.events
        if previous is None:
            added: tuple[LogEvent, ...] = ()  # events before we started are history
        else:
            added = new_events(previous, state.events) or ()
        alerts = []
        # An engaged switch going further (paused -> cancelled -> flattened) is always news;
        # engaging from armed is an ordinary edge (rate-limited: a flapping breaker).
        escalated = state.kill_level > self._kill_level > 0
        self._kill_level = state.kill_level
        for rule in self.config.rules:
            why = condition(rule, state, added)
            was_active = rule.name in self._active
            if why is None:
                self._active.discard(rule.name)
                continue
            self._active.add(rule.name)
            edge = (
                rule.kind == "order_rejected"
                or not was_active
                or (rule.kind == "kill_switch" and escalated)
            )
            last = self._last_fired.get(rule.name)
            limited = last is not None and (now - last).total_seconds() < self.config.min_interval_s
            if rule.kind == "kill_switch" and escalated:
                limited = False  # at most two escalations: never rate-limited
            if edge and not limited:
                self._last_fired[rule.name] = now
                alerts.append(
                    LogEvent(
                        ts=now,
                        kind=EventKind.ALERT,
                        level=EventLevel.WARNING,
                        message=f"alert {rule.name}: {why}",
                    )
                )
        return alerts


class AlertMonitor:
    """Evaluates a core's published states and logs each alert as an ``alert`` event."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.engine = AlertEngine(core.settings.alerts)

    @classmethod
    def attach(cls, core: Core) -> AlertMonitor | None:
        if not core.settings.alerts.rules:
            return None
        monitor = cls(core)
        core.add_listener(monitor.on_state)
        return monitor

    def on_state(self, state: CockpitState) -> None:
        self.engine.config = self.core.settings.alerts  # follows a SIGHUP reload
        for alert in self.engine.evaluate(state, utcnow()):
            self.core.log_event(alert.kind, alert.message, level=alert.level)
