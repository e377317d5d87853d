"""``cockpit daemon``: the core alone, served on the control socket, until SIGTERM.

Start-up: take the per-database lock, build and start the core, open the socket. SIGTERM or
SIGINT: an ordered shutdown within ``daemon.stop_timeout_s`` (a hard deadline ends the process
if it overruns): stop the watchdog, say ``bye`` to every client and close the socket, leave or
cancel open orders (``daemon.on_stop``), stop the core (which ends the session and flushes
the store), release the lock.
SIGHUP: reload the configuration; an invalid file keeps the running one and logs why.
Never imports Textual or Rich.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path

from core.config import Settings, load_settings
from core.daemon.alerts import AlertDispatcher
from core.daemon.embedded import PRIVATE_DIR_PREFIX, READY
from core.daemon.lock import InstanceLock, lock_path
from core.daemon.logs import configure_file_logging, configure_json_logging
from core.daemon.schedule import Clock, Scheduler
from core.daemon.server import ControlServer
from core.daemon.watchdog import Watchdog
from core.errors import CockpitError, DaemonError
from core.models import EventKind
from core.service import Core

log = logging.getLogger("core.daemon")

RESTART_ONLY: tuple[str, ...] = ("mode", "venues", "sim", "store", "daemon", "journal", "logging")
"""Sections a reload cannot change under a running core: they keep their running values."""
STOP_ORDERS_S = 2.0
"""Most of the stop budget cancelling open orders may take (a quarter of it at most)."""


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
    """One daemon run; :meth:`run` returns the process exit code.

    ``embedded``: the core of a plain ``cockpit`` TUI (see :mod:`core.daemon.embedded`) rather
    than a standalone daemon: no scheduled jobs and no external alert actions (as before the
    core moved out of the TUI's process), "ready" on stdout once the socket listens, and a
    stop when stdin closes, i.e. when the TUI that started it exits or dies.
    """

    def __init__(
        self,
        settings: Settings,
        config_path: Path | None,
        core: Core,
        clock: Clock | None = None,
        *,
        socket: Path | None = None,
        embedded: bool = False,
        hard_deadline: bool = False,
    ) -> None:
        self.settings = settings
        self.hard_deadline = hard_deadline
        """Whether a stop arms :func:`arm_hard_deadline` (the process's own daemon only: it
        ends the whole process)."""
        self.config_path = config_path
        self.core = core
        self.socket = socket or settings.socket_path()
        self.embedded = embedded
        self.server = ControlServer(core)
        self.stop_requested = asyncio.Event()
        self.reloads = 0
        self.cancelled_at_stop: list[str] = []
        self.scheduler = Scheduler(core, () if embedded else settings.daemon.schedule, clock)
        self.watchdog: Watchdog | None = None

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        if not self.embedded:
            AlertDispatcher(self.core).attach()
        await self.core.start()
        self.scheduler.start()
        self.watchdog = Watchdog(self.core, self.settings.daemon.watchdog_s)
        self.watchdog.start()
        try:
            await self.server.start(self.socket)
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop, f"{sig.name} received")
            loop.add_signal_handler(signal.SIGHUP, self.request_reload)
            log.info(
                "%s ready: session %s, socket %s, pid %d",
                "embedded core" if self.embedded else "daemon",
                self.core.store.session_id if self.core.store else None,
                self.socket,
                os.getpid(),
            )
            if self.embedded:
                self._watch_parent(loop)
                announce_ready()
            await self.stop_requested.wait()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            if self.embedded:
                with contextlib.suppress(ValueError, OSError):
                    loop.remove_reader(sys.stdin.fileno())
            await self.shutdown()
            if self.embedded:
                remove_private_dir(self.socket.parent)
        return 0

    def _watch_parent(self, loop: asyncio.AbstractEventLoop) -> None:
        """Stop when stdin reaches end of file: the TUI closed it, exited or was killed."""
        fd = sys.stdin.fileno()

        def readable() -> None:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(fd)
                self.request_stop("stdin closed (the TUI is gone)")

        loop.add_reader(fd, readable)

    def request_stop(self, why: str = "stop") -> None:
        """Begin the ordered shutdown and arm its hard deadline (a second signal changes
        nothing: the first one's deadline stands)."""
        if self.stop_requested.is_set():
            log.info("already stopping (%s)", why)
            return
        log.info("stopping: %s", why)
        self.stop_requested.set()
        if self.hard_deadline:
            arm_hard_deadline(self.settings.daemon.stop_timeout_s)

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
        """Stop in order within ``daemon.stop_timeout_s``: watchdog, clients (each gets a
        ``bye``), open orders (``daemon.on_stop``), then the core, which ends the session and
        flushes the store. Each step has a share of the budget; the hard deadline armed by
        :meth:`request_stop` ends the process if the whole still overruns."""
        started = time.monotonic()
        budget = self.settings.daemon.stop_timeout_s
        if self.watchdog is not None:
            self.watchdog.stop()
        await self.server.close(grace_s=budget / 10)
        if self.settings.daemon.on_stop == "cancel":
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(STOP_ORDERS_S, budget / 4)):
                    await self._cancel_open_orders()
        remaining = budget - (time.monotonic() - started)
        await self.core.stop(timeout_s=max(remaining * 0.8, 0.5))
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


def arm_hard_deadline(seconds: float) -> threading.Timer:
    """End the process ``seconds`` from now, whatever it is doing then (a stuck task, a
    thread the interpreter would wait for): SIGTERM always ends a daemon in bounded time."""

    def hard_exit() -> None:
        log.critical("shutdown overran daemon.stop_timeout_s (%g s): exiting now", seconds)
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(seconds, hard_exit)
    timer.daemon = True
    timer.start()
    return timer


def remove_private_dir(path: Path) -> None:
    """The TUI's private directory (its ``tempfile.mkdtemp`` one), gone with the core even if
    the TUI was killed; any other directory a ``--socket`` points into is left alone."""
    if path.name.startswith(PRIVATE_DIR_PREFIX) and path.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(path, ignore_errors=True)


def announce_ready() -> None:
    """Tell the parent TUI that clients can connect, then drop stdout: nothing else may go
    there (a full pipe nobody reads would block the core)."""
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), READY + b"\n")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def run_daemon(
    settings: Settings,
    config_path: Path | None,
    *,
    socket: Path | None = None,
    embedded: bool = False,
) -> int:
    """The ``cockpit daemon`` entry point: lock, run until signalled, release."""
    if embedded:
        mode = os.fstat(sys.stdin.fileno()).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            raise DaemonError(
                "--embedded is the TUI's own core: its stdin must be a pipe from the TUI",
                title="Usage",
            )
        configure_file_logging(settings.log_path(), settings.logging.level)
    else:
        configure_json_logging(settings)
    from core.bootstrap import build_core

    socket = socket or settings.socket_path()
    with InstanceLock(lock_path(settings.db_path()), socket=socket):
        core = build_core(settings)
        daemon = Daemon(
            settings, config_path, core, socket=socket, embedded=embedded, hard_deadline=True
        )
        return asyncio.run(daemon.run())
