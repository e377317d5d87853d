"""Who may hold a connection to the control socket: caps, operator reserve, eviction.

Sixteen connections that never finished a hello once locked every client out, an operator
reaching for the kill switch included. The rules, so that an operator always gets in:

- a connection that has not said hello is *pending*; at most ``max_pending`` are kept, and a
  new one evicts the oldest pending one (each also has the hello deadline);
- an observer is admitted while fewer than ``max_clients - operator_reserve`` clients are
  attached: it can never take the reserved slots;
- an operator is admitted while fewer than ``max_clients`` are attached; when all are taken
  it evicts the attached observer idle longest.

Sans-I/O: the server tells it what happened and closes whatever it names.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.daemon.protocol import Role

C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Verdict(Generic[C]):
    """The answer to a hello: admitted or not (and why), and whom to close to make room."""

    admitted: bool
    reason: str = ""
    evict: tuple[C, ...] = ()


class Admission(Generic[C]):
    """The connections of one control socket, by state."""

    def __init__(self, max_clients: int, operator_reserve: int, max_pending: int) -> None:
        self.max_clients = max_clients
        self.operator_reserve = min(operator_reserve, max_clients - 1)
        self.max_pending = max_pending
        self._pending: dict[C, float] = {}
        self._attached: dict[C, Role] = {}
        self._active: dict[C, float] = {}

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def attached(self) -> int:
        return len(self._attached)

    def arrive(self, conn: C, now: float) -> tuple[C, ...]:
        """A new connection; returns the pending ones to close to stay within the cap."""
        self._pending[conn] = now
        evicted: list[C] = []
        while len(self._pending) > self.max_pending:
            oldest = min(self._pending, key=self._pending.__getitem__)
            del self._pending[oldest]
            evicted.append(oldest)
        return tuple(evicted)

    def hello(self, conn: C, role: Role, now: float) -> Verdict[C]:
        """``conn`` said hello as ``role``: admit it, refuse it, or make room for it."""
        self._pending.pop(conn, None)
        evict: tuple[C, ...] = ()
        if role is Role.OBSERVER:
            limit = self.max_clients - self.operator_reserve
            if len(self._attached) >= limit:
                return Verdict(
                    False,
                    f"too many clients ({limit} observers at most; "
                    f"{self.operator_reserve} slot(s) are kept for operators)",
                )
        elif len(self._attached) >= self.max_clients:
            observers = [c for c, r in self._attached.items() if r is Role.OBSERVER]
            if not observers:
                return Verdict(False, f"too many clients ({self.max_clients} operators attached)")
            victim = min(observers, key=lambda c: self._active.get(c, 0.0))
            self.leave(victim)
            evict = (victim,)
        self._attached[conn] = role
        self._active[conn] = now
        return Verdict(True, evict=evict)

    def active(self, conn: C, now: float) -> None:
        """``conn`` sent a complete message (the measure of idleness for eviction)."""
        if conn in self._attached:
            self._active[conn] = now

    def leave(self, conn: C) -> None:
        self._pending.pop(conn, None)
        self._attached.pop(conn, None)
        self._active.pop(conn, None)
