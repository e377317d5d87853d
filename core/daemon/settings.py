"""Configuration sections of the daemon, the flight recorder and alerts.

They live here, not in :mod:`core.config`, so the settings root only lists them; every field is
documented because ``config.yaml`` is generated from these descriptions.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DaemonConfig(_Section):
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
    max_clients: int = Field(default=16, ge=1, le=1000, description="Attached clients at once.")


class JournalConfig(_Section):
    """The flight recorder: what the core showed, per session, for ``cockpit replay``."""

    enabled: bool = Field(default=True, description="Journal published states into the store.")
    max_hz: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="States journaled per second at most (~6 KB/s of database at 1/s on "
        "the sim); ui.fps journals every state the UI shows.",
    )
    keyframe_s: float = Field(
        default=30.0, gt=0, description="A full state this often; changed sections in between."
    )
    retention_days: float = Field(
        default=7.0, gt=0, description="Journals of sessions older than this are deleted."
    )


class AlertRule(_Section):
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


class AlertsConfig(_Section):
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
