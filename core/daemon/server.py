"""The control socket: a Unix socket (mode 0600) serving the core to attached clients.

Each connection says ``hello`` with a role, may ``subscribe`` to states (a full frame first,
then changed sections at the rate it asked for) and events, and sends commands. Observers are
refused every command that changes shared state (:data:`~core.daemon.protocol.COMMAND_RULES`);
a re-arm or a flatten needs a confirm token (:mod:`core.daemon.confirm`). Operators' commands
are logged as events naming the client's uid and pid (``SO_PEERCRED``), and every audit row
they cause names the client as its actor (:func:`~core.daemon.protocol.audit_actor`). Slow
clients only ever get the latest state: frames coalesce. Admission (caps, operator reserve)
is :mod:`core.daemon.admission`; one connection's deadlines :mod:`core.daemon.connection`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from core.candles import CandleTail
from core.daemon.admission import Admission, Verdict
from core.daemon.confirm import needs_confirm
from core.daemon.connection import ClientConnection
from core.daemon.frames import MAX_FRAME
from core.daemon.market_choice import MarketSource
from core.daemon.protocol import Role, allowed, rule_for
from core.errors import CockpitError
from core.models import BookSnapshot, EventKind, EventLevel, Instrument
from core.service import Core
from core.views import (
    CockpitState,
    Command,
    CommandResult,
    CycleMarket,
    MarketRef,
    SelectMarket,
)

log = logging.getLogger(__name__)


def _clear_socket_path(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()  # stale: the instance lock already proved no daemon owns it


class CoreMarkets(MarketSource):
    """Any market's book, candles and instrument, read from the running core."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def book(self, market: MarketRef) -> BookSnapshot | None:
        venue = self.core.venues.get(market.venue)
        return venue.book(market.symbol, self.core.settings.ui.book_depth) if venue else None

    def chart(self, market: MarketRef) -> CandleTail | None:
        return self.core.candles.tail(market.venue, market.symbol)

    def instrument(self, market: MarketRef) -> Instrument | None:
        return self.core.instruments.get(market.key)


class ControlServer:
    """Serves a core on a Unix socket, to at most ``daemon.max_clients`` attached clients."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.markets = CoreMarkets(core)
        config = core.settings.daemon
        self.latest: CockpitState | None = core.state
        self.clients: set[ClientConnection] = set()
        self.admission: Admission[ClientConnection] = Admission(
            config.max_clients, config.operator_reserve, config.max_pending
        )
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._count = 0
        self._started = time.monotonic()
        self._closing = False
        self.path: Path | None = None

    async def start(self, path: Path) -> None:
        _clear_socket_path(path)
        old_umask = os.umask(0o177)  # created 0600: no window where others could connect
        try:
            self._server = await asyncio.start_unix_server(self._accept, path=path, limit=MAX_FRAME)
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        self.path = path
        self.core.add_listener(self._on_state)
        log.info("control socket listening on %s", path)

    def _on_state(self, state: CockpitState) -> None:
        self.latest = state
        for client in self.clients:
            client.wake.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection, start to end. It never ends with an exception (asyncio would log
        a traceback for each, e.g. every handler cancelled when the daemon stops)."""
        if self._closing:
            writer.close()
            return
        self._count += 1
        client = ClientConnection(self, reader, writer, self._count)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        self.clients.add(client)
        for old in self.admission.arrive(client, asyncio.get_running_loop().time()):
            old.close("too many connections waiting for hello")
        try:
            await client.serve()
        except asyncio.CancelledError:
            pass  # the server is closing: the goodbye was sent by close()
        except Exception:
            log.exception("control connection %s failed", client.describe())
        finally:
            self.clients.discard(client)
            self.admission.leave(client)
            self._watch()
            if task is not None:
                self._handlers.discard(task)
            if client.role is not None:
                why = f": {client.closing}" if client.closing else ""
                log.info("detached %s%s", client.describe(), why)
            client.close(client.closing or "closed")
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                await writer.wait_closed()

    def admit(self, client: ClientConnection, role: Role) -> Verdict[ClientConnection]:
        """The admission verdict on a hello; a client it evicts is closed here."""
        verdict = self.admission.hello(client, role, asyncio.get_running_loop().time())
        for victim in verdict.evict:
            log.info("closing %s to make room for an operator", victim.describe())
            victim.close("closed to make room for an operator")
        if not verdict.admitted:
            log.warning("refused %s as %s: %s", client.describe(), role.value, verdict.reason)
        return verdict

    def refusal(self, client: ClientConnection, command: Command) -> str | None:
        """Why ``client`` may not send ``command`` (logged as a warning event), or None."""
        assert client.role is not None
        if allowed(client.role, command.kind):
            return None
        self.core.log_event(
            EventKind.SYSTEM,
            f"refused {command.kind} from {client.describe()} as {client.role.value}: "
            f"it needs the operator role",
            level=EventLevel.WARNING,
        )
        return f"refused: {command.kind} needs the operator role"

    async def run_command(
        self, client: ClientConnection, command: Command, confirm: str | None = None
    ) -> CommandResult:
        assert client.role is not None
        refused = self.refusal(client, command)
        if refused is not None:
            return CommandResult(ok=False, message=refused)
        if isinstance(command, SelectMarket | CycleMarket):
            return await self.choose_market(client, command)
        who = f"{client.describe()} as {client.role.value}"
        execution = self.core.execution  # the live level: a published state may lag
        if needs_confirm(command, int(execution.kill.level) if execution is not None else 0):
            why = client.tokens.redeem(confirm, command, asyncio.get_running_loop().time())
            if why is not None:
                self.core.log_event(
                    EventKind.SYSTEM,
                    f"refused unconfirmed {command.kind} from {who}: {why}",
                    level=EventLevel.WARNING,
                )
                return CommandResult(ok=False, message=f"refused: {why}")
        try:
            result = await self.core.execute(command, actor=client.actor)
        except CockpitError as exc:
            result = CommandResult.failure(exc)
        if rule_for(command.kind).logged:
            outcome = "ok" if result.ok else f"failed: {result.message}"
            self.core.log_event(
                EventKind.SYSTEM,
                f"operator command {command.kind} from {who}: {outcome}",
                level=EventLevel.INFO if result.ok else EventLevel.WARNING,
            )
        return result

    async def choose_market(
        self, client: ClientConnection, command: SelectMarket | CycleMarket
    ) -> CommandResult:
        """The client's own market (see :mod:`core.daemon.market_choice`); an operator's
        choice moves the core's selected market too."""
        result = client.choice.choose(
            command, self.core.selection.markets, self.core.selection.market
        )
        if result.ok and client.role is Role.OPERATOR and client.choice.market is not None:
            chosen = client.choice.market
            result = await self.core.execute(
                SelectMarket(venue=chosen.venue, symbol=chosen.symbol), actor=client.actor
            )
        self._watch()
        client.wake.set()  # its next frame carries the chosen market at once
        return result

    def _watch(self) -> None:
        """The core publishes when a book any client chose changes, not only its own."""
        self.core.selection.watched = frozenset(
            c.choice.market.key for c in self.clients if c.choice.market is not None
        )

    def status(self) -> dict[str, Any]:
        state = self.latest
        return {
            "pid": os.getpid(),
            "uptime_s": round(time.monotonic() - self._started, 3),
            "session_id": state.session_id if state else None,
            "version": state.version if state else None,
            "clients": sorted(c.name for c in self.clients if c.role is not None),
            "tasks": self.core.task_names,
        }

    async def close(self, grace_s: float = 1.0) -> None:
        """Stop accepting, say ``bye`` to every client and drop it, within about ``2 × grace_s``."""
        self._closing = True
        self.core.remove_listener(self._on_state)
        if self._server is not None:
            self._server.close()
        for client in list(self.clients):
            client.close("stopping")
        handlers = list(self._handlers)
        if handlers:
            # Closed connections end their handlers by themselves (end of file); a handler
            # still blocked (e.g. on a client that does not read) is cancelled.
            _, stuck = await asyncio.wait(handlers, timeout=grace_s)
            for task in stuck:
                task.cancel()
            if stuck:
                await asyncio.wait(stuck, timeout=grace_s)
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
