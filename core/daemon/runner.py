"""``cockpit daemon``: the core alone, served on the control socket, until SIGTERM.

Start-up: take the per-database lock, build and start the core, open the socket. SIGTERM or
SIGINT: close the socket, leave or cancel open orders (``daemon.on_stop``), stop the core
(which ends the session and flushes the store), release the lock, all within a few seconds.
SIGHUP: reload the configuration; an invalid file keeps the running one and logs why.
Never imports Textual or Rich.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import logging.handlers
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import Settings, load_settings
from core.daemon.alerts import AlertDispatcher
from core.daemon.lock import InstanceLock
from core.daemon.schedule import Clock, Scheduler
from core.daemon.server import ControlServer
from core.errors import CockpitError
from core.models import EventKind
from core.service import Core

log = logging.getLogger("core.daemon")

RESTART_ONLY: tuple[str, ...] = ("mode", "venues", "sim", "store", "daemon", "journal", "logging")
"""Sections a reload cannot change under a running core: they keep their running values."""
STOP_ORDERS_S = 2.0
"""Budget for cancelling open orders at shutdown (SIGTERM must finish within 5 s)."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message (+ exc)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(settings: Settings) -> None:
    path = settings.daemon.log_file
    handler: logging.Handler
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.logging.level)


def merge_reload(running: Settings, loaded: Settings) -> tuple[Settings, list[str], list[str]]:
    """The settings to apply: ``loaded`` with restart-only sections kept from ``running``.

    Returns (settings, sections applied, sections that changed but need a restart).
    """
    changed = [
        name
        for name in type(running).model_fields
        if getattr(running, name) != getattr(loaded, name)
    ]
    held = [name for name in changed if name in RESTART_ONLY]
    applied = [name for name in changed if name not in RESTART_ONLY]
    merged = loaded.model_copy(update={name: getattr(running, name) for name in RESTART_ONLY})
    return merged, applied, held


class Daemon:
    """One daemon run; :meth:`run` returns the process exit code."""

    def __init__(
        self, settings: Settings, config_path: Path | None, core: Core, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self.config_path = config_path
        self.core = core
        self.server = ControlServer(core)
        self.stop_requested = asyncio.Event()
        self.reloads = 0
        self.cancelled_at_stop: list[str] = []
        self.scheduler = Scheduler(core, settings.daemon.schedule, clock)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        AlertDispatcher(self.core).attach()
        await self.core.start()
        self.scheduler.start()
        try:
            await self.server.start(self.settings.socket_path())
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop, sig.name)
            loop.add_signal_handler(signal.SIGHUP, self.request_reload)
            log.info(
                "daemon ready: session %s, socket %s, pid %d",
                self.core.store.session_id if self.core.store else None,
                self.settings.socket_path(),
                __import__("os").getpid(),
            )
            await self.stop_requested.wait()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            await self.shutdown()
        return 0

    def request_stop(self, why: str = "stop") -> None:
        log.info("%s received: stopping", why)
        self.stop_requested.set()

    def request_reload(self) -> None:
        self.core.spawn("daemon:reload", self.reload())

    async def reload(self) -> bool:
        """Validate and apply the configuration file again; keep the old one if it is bad."""
        try:
            loaded = await asyncio.to_thread(load_settings, self.config_path)
        except CockpitError as exc:
            log.error("config reload refused, keeping the running configuration: %s", exc)
            self.core.log_event(EventKind.SYSTEM, f"config reload refused: {exc}")
            return False
        merged, applied, held = merge_reload(self.core.settings, loaded)
        self.core.settings = merged
        self.reloads += 1
        log.info(
            "config reloaded: applied %s; needing a restart: %s",
            ", ".join(applied) or "no change",
            ", ".join(held) or "none",
        )
        self.core.log_event(
            EventKind.SYSTEM, f"config reloaded (applied: {', '.join(applied) or 'no change'})"
        )
        return True

    async def shutdown(self) -> None:
        started = time.monotonic()
        await self.server.close()
        if self.settings.daemon.on_stop == "cancel":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._cancel_open_orders(), STOP_ORDERS_S)
        await self.core.stop()
        log.info("daemon stopped cleanly in %.2f s", time.monotonic() - started)

    async def _cancel_open_orders(self) -> None:
        for name, venue in self.core.venues.items():
            try:
                orders = await venue.fetch_open_orders()
            except Exception as exc:
                log.error("cannot list open orders on %s at shutdown: %s", name, exc)
                continue
            for order in orders:
                try:
                    await venue.cancel(order.client_order_id, order.symbol)
                    self.cancelled_at_stop.append(order.client_order_id)
                    log.info("cancelled %s on %s at shutdown", order.client_order_id, name)
                except Exception as exc:
                    log.error("cannot cancel %s on %s: %s", order.client_order_id, name, exc)


def run_daemon(settings: Settings, config_path: Path | None) -> int:
    """The ``cockpit daemon`` entry point: lock, run until signalled, release."""
    configure_json_logging(settings)
    from core.bootstrap import build_core

    with InstanceLock(settings.db_path().with_name(settings.db_path().name + ".lock")):
        core = build_core(settings)
        return asyncio.run(Daemon(settings, config_path, core).run())
