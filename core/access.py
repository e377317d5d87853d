"""How a command reaches a database: one writer per database.

The writer of a database is the core that holds its instance lock (:mod:`core.daemon.lock`): a
``cockpit daemon``, the private core of a running TUI, or a core a command starts for itself.
Everything else is its client:

- :func:`reader_client` finds the core that holds the database and connects to its control
  socket (the lock file names the socket) as an observer, or says there is none; read-only
  commands then read the database itself, opened read-only
  (:meth:`~core.store.Store.open_readonly`).
- :func:`operator_client` gives a command that writes the same
  :class:`~core.client.CoreClient` either way: the running core over its socket, or a core
  started here holding the lock for as long as the command runs (:class:`LocalCore`). Two
  processes never write one database beside each other.
- :func:`writer_or_lock` is for commands that need no running core of their own (imports):
  the running core's client, or the database's lock held here while the command writes
  through a plain :class:`~core.store.Store`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from core.client import CoreClient, paced_states
from core.daemon.lock import AlreadyRunning, InstanceLock, database_owner, lock_path
from core.daemon.protocol import Role
from core.daemon.remote import DaemonUnavailable, RemoteCore
from core.views import CockpitState, Command, CommandResult

if TYPE_CHECKING:
    from core.config import Settings
    from core.service import Core


class LocalCore:
    """A core started in this process for one command, holding the database's lock.

    ``start`` takes the instance lock first (raising :class:`AlreadyRunning` if another process
    holds it), then builds and starts the core; ``stop`` stops the core, then releases the lock.
    """

    read_only = False

    def __init__(self, settings: Settings, factory: Callable[[], Core] | None = None) -> None:
        self.settings = settings
        self._factory = factory
        self._lock = InstanceLock(lock_path(settings.db_path()))
        self.core: Core | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        self._lock.acquire()
        try:
            if self._factory is None:
                from core.bootstrap import build_core

                core = build_core(self.settings)
            else:
                core = self._factory()
            core.add_listener(lambda _state: self._changed.set())
            await core.start()
            self.core = core
            core.publish()
        except BaseException:
            self._lock.release()
            raise

    async def stop(self) -> None:
        try:
            if self.core is not None:
                await self.core.stop()
        finally:
            self._lock.release()

    def latest(self) -> CockpitState | None:
        return self.core.state if self.core is not None else None

    async def updates(self, max_hz: float) -> AsyncIterator[CockpitState]:
        async for state in paced_states(self.latest, self._changed, max_hz):
            yield state

    async def send(self, command: Command) -> CommandResult:
        if self.core is None:
            return CommandResult(ok=False, message="core not running", title="Not started")
        return await self.core.execute(command)


def running_core(
    settings: Settings, *, client: str, role: Role = Role.OBSERVER
) -> RemoteCore | None:
    """A client (not yet started) of the core holding ``settings``' database, or None when
    nothing holds it.

    The lock file names the socket of its holder (a daemon's, or a TUI's private one). A holder
    that names none is another command's own short-lived core, which has no socket: that is a
    one-line "busy" error, never a second writer.
    """
    owner = database_owner(lock_path(settings.db_path()))
    if owner is None:
        return None
    if owner.socket is None:
        raise DaemonUnavailable(
            f"another cockpit command (pid {owner.pid}) is writing {settings.db_path()}; "
            "try again when it has finished",
            title="Database busy",
        )
    return RemoteCore(owner.socket, role=role, client=client)


async def start_remote(remote: RemoteCore, settings: Settings) -> None:
    """Connect to the core holding the database; a one-line error if it does not answer."""
    try:
        await remote.start()
    except DaemonUnavailable as exc:
        raise DaemonUnavailable(
            f"the cockpit holding {settings.db_path()} does not answer on {remote.path} "
            f"({exc.message.partition(';')[0]}); it may be starting or stopping: try again",
            title="Database busy",
        ) from exc


@asynccontextmanager
async def operator_client(
    settings: Settings, *, client: str, factory: Callable[[], Core] | None = None
) -> AsyncIterator[CoreClient]:
    """A client that may trade on ``settings``' database, whoever writes it.

    Taking the lock decides, so there is no window where two cores could start: if it is
    free, a :class:`LocalCore` holds it; if it is held, the holder's socket is used.
    """
    local = LocalCore(settings, factory)
    remote: RemoteCore | None = None
    try:
        await local.start()
    except AlreadyRunning:
        remote = running_core(settings, client=client, role=Role.OPERATOR)
        if remote is None:  # the holder stopped in between: the lock is free now
            await local.start()
    if remote is not None:
        await start_remote(remote, settings)
        try:
            yield remote
        finally:
            await remote.stop()
        return
    try:
        yield local
    finally:
        await local.stop()


@asynccontextmanager
async def reader_client(settings: Settings, *, client: str) -> AsyncIterator[RemoteCore | None]:
    """The running core's client as an observer (it may not trade), or None when no core holds
    the database (the caller then reads the database read-only)."""
    owner = database_owner(lock_path(settings.db_path()))
    if owner is None or owner.socket is None:
        # Nobody, or another command's own short-lived core (it serves no socket): reading
        # the database beside it, read-only, is safe.
        yield None
        return
    remote = RemoteCore(owner.socket, role=Role.OBSERVER, client=client)
    try:
        await start_remote(remote, settings)
    except DaemonUnavailable:
        if database_owner(lock_path(settings.db_path())) is not None:
            raise
        yield None  # it stopped in between: the database has no writer now
        return
    try:
        yield remote
    finally:
        await remote.stop()


@asynccontextmanager
async def writer_or_lock(settings: Settings, *, client: str) -> AsyncIterator[RemoteCore | None]:
    """The operator client of the core holding ``settings``' database, or None with its
    instance lock held here until the block ends (the caller writes the database itself).

    Like :func:`operator_client`, taking the lock decides: no window lets two writers in. A
    holder that serves no socket (another command's own core) is a one-line "busy" error.
    """
    lock = InstanceLock(lock_path(settings.db_path()))
    remote: RemoteCore | None = None
    try:
        lock.acquire()
    except AlreadyRunning:
        remote = running_core(settings, client=client, role=Role.OPERATOR)
        if remote is None:  # the holder stopped in between: the lock is free now
            lock.acquire()
    if remote is None:
        try:
            yield None
        finally:
            lock.release()
        return
    await start_remote(remote, settings)
    try:
        yield remote
    finally:
        await remote.stop()
