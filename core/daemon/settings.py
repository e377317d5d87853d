"""Configuration sections of the daemon, the flight recorder and alerts.

They live here, not in :mod:`core.config`, so the settings root only lists them; every field is
documented because ``config.yaml`` is generated from these descriptions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

from cronsim import CronSim, CronSimError
from pydantic import Field, model_validator

from core.config_base import Section


class ScheduleJob(Section):
    """A rebalancing job the daemon runs on a schedule, under the pre-trade gate.

    Each run regenerates the plan for ``preset`` on the live books; ``dry-run`` only logs what
    it would trade, ``execute`` sends it the way an operator's ExecutePlan does (same gate,
    same audit trail, actor ``schedule:<name>``). A run is refused while trading is disabled.
    """

    name: str = Field(min_length=1, description="Names the job in logs and the audit trail.")
    every_s: float | None = Field(
        default=None, ge=1, description="Run every this many seconds (from daemon start)."
    )
    cron: str | None = Field(
        default=None, description="Or a 5-field cron expression, evaluated in UTC."
    )
    preset: str | None = Field(
        default=None, description="Target preset to plan for; the current one when empty."
    )
    mode: Literal["dry-run", "execute"] = Field(
        default="dry-run", description="'dry-run' logs the plan; 'execute' trades it."
    )

    @model_validator(mode="after")
    def _one_trigger(self) -> ScheduleJob:
        if (self.every_s is None) == (self.cron is None):
            raise ValueError("set exactly one of 'every_s' and 'cron'")
        if self.cron is not None:
            try:
                CronSim(self.cron, datetime.now(UTC))
            except CronSimError as exc:
                raise ValueError(f"invalid cron {self.cron!r}: {exc}") from None
        return self


class DaemonConfig(Section):
    """``cockpit daemon``: the headless core and its control socket."""

    socket: Path | None = Field(
        default=None, description="Control socket; default: cockpit.sock in the data dir."
    )
    on_stop: Literal["leave", "cancel"] = Field(
        default="leave",
        description="Open orders at shutdown: 'leave' them on the venue or 'cancel' them.",
    )
    log_file: Path | None = Field(
        default=None,
        description="JSON log file (rotated at 10 MB, 5 kept); default: JSON lines on stderr.",
    )
    max_clients: int = Field(default=16, ge=2, le=1000, description="Attached clients at once.")
    operator_reserve: int = Field(
        default=2,
        ge=1,
        le=100,
        description="Of max_clients, slots only an operator may take (observers never do).",
    )
    max_pending: int = Field(
        default=32,
        ge=1,
        le=1000,
        description="Connections not yet past hello; a new one closes the oldest beyond this.",
    )
    hello_timeout_s: float = Field(
        default=2.0, gt=0, le=60, description="A connection must say hello within this."
    )
    frame_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="A message, once begun, must end (newline) within this (slowloris).",
    )
    idle_timeout_s: float = Field(
        default=120.0,
        gt=0,
        le=86_400,
        description="A client not subscribed to states or events that sends nothing for this "
        "long is closed.",
    )
    send_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="A client that does not read what it is sent for this long is closed.",
    )
    confirm_ttl_s: float = Field(
        default=30.0,
        ge=1,
        le=600,
        description="A confirm token (re-arm, flatten over the socket) is valid this long.",
    )
    stop_timeout_s: float = Field(
        default=4.0,
        ge=1,
        le=60,
        description="SIGTERM: the ordered shutdown (clients, orders, session end) ends within "
        "this; past it the process exits at once with code 1.",
    )
    watchdog_s: float = Field(
        default=10.0,
        ge=1,
        le=600,
        description="A core whose timers or publisher stall this long trips the stale-data "
        "breaker (trading paused) and says so in the log.",
    )
    schedule: tuple[ScheduleJob, ...] = Field(
        default=(),
        description="Rebalancing jobs: name, every_s or cron (UTC), preset, mode dry-run|execute; "
        "each runs under the pre-trade gate and is refused while trading is disabled.",
    )

    @model_validator(mode="after")
    def _reserve_below_cap(self) -> DaemonConfig:
        if self.operator_reserve >= self.max_clients:
            raise ValueError("operator_reserve must be below max_clients")
        return self


class JournalConfig(Section):
    """The flight recorder: what the core showed, per session, for ``cockpit replay``."""

    enabled: bool = Field(default=True, description="Journal published states into the store.")
    max_hz: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Portfolio sections (holdings, risk, plan: most of a state's bytes) "
        "journaled per second at most (~400 KiB/min at 1/s on the sim); ui.fps keeps every "
        "one the UI shows.",
    )
    market_hz: float | None = Field(
        default=None,
        gt=0,
        le=60,
        description="Market data (order book, feed health, trading status) journaled per "
        "second at most, when it changed; default ui.fps, the rate the UI shows it.",
    )
    keyframe_s: float = Field(
        default=60.0, gt=0, description="A full state this often; changed sections in between."
    )
    retention_days: float = Field(
        default=7.0,
        gt=0,
        description="Journal frames older than this are deleted (at start, then hourly; a long "
        "session is trimmed from its start).",
    )


class AlertRule(Section):
    """One alert: ``kind`` picks what is watched; ``symbol``/``level`` apply to price rules."""

    name: str = Field(min_length=1, description="Shown in the alert and used for rate limits.")
    kind: Literal[
        "price_above",
        "price_below",
        "drawdown",
        "var",
        "feed_stale",
        "order_rejected",
        "kill_switch",
    ] = Field(description="What to watch.")
    symbol: str | None = Field(
        default=None, description="Asset whose USD price is watched (price rules)."
    )
    level: Decimal | None = Field(
        default=None, description="Price level (price rules) or limit as a fraction (risk rules)."
    )


class AlertsConfig(Section):
    """Alerts: the TUI notifies and rings the bell; the daemon also runs a command or webhook."""

    rules: tuple[AlertRule, ...] = Field(default=(), description="Alert rules.")
    command: tuple[str, ...] = Field(
        default=(),
        description="Daemon: program and arguments run per alert (the alert JSON on stdin).",
    )
    webhook: str | None = Field(
        default=None, description="Daemon: URL the alert JSON is POSTed to."
    )
    min_interval_s: float = Field(
        default=60.0, ge=0, description="The same rule alerts at most once per this interval."
    )
