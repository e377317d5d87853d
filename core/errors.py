"""The one exception tree of cockpit.

Every error the core raises on purpose derives from :class:`CockpitError`. Each carries a short
user-facing ``title``, a one-line ``message`` and whether retrying the same action may succeed,
so the UI can choose between a toast (transient), a modal (the user must act) and a clean exit
(fatal at start-up) without inspecting exception types.

    CockpitError
    ├── ConfigError            bad configuration; carries every problem found
    ├── DataError              a malformed input file or record (file, line, column)
    ├── StoreError             the SQLite store failed
    ├── ExchangeError          a venue said no (rejections, unknown symbol, auth)
    │   ├── NetworkError       transport trouble; retryable
    │   │   └── RateLimitError the venue asked us to slow down; retryable
    │   └── OrderRejected      the venue refused an order; never retried
    ├── GateRefused            the pre-trade gate refused an order (names the rule)
    ├── FeedIntegrityError     a book failed a checksum, sequence or crossed-book check
    ├── TradingDisabled        trading is paused, in replay, or read-only
    ├── IllegalTransition      an order update the order state machine refuses
    ├── AuditBroken            the audit trail's hash chain does not verify
    └── DaemonError            the daemon cannot start (already running) or be reached
        └── ProtocolError      a control-channel frame that is malformed, too big or too deep
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CockpitError(Exception):
    """Base of every deliberate cockpit error."""

    title: str = "Error"
    retryable: bool = False

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem in a configuration: where it is and what is wrong."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ConfigError(CockpitError):
    """The configuration is invalid; ``problems`` lists every problem found, not just the first."""

    title = "Invalid configuration"

    def __init__(self, source: str, problems: Sequence[ConfigProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {p}" for p in self.problems]
        super().__init__("\n".join(lines) if lines else f"{source}: invalid configuration")


class DataError(CockpitError):
    """A malformed input: the message names the file, line and column where known."""

    title = "Bad input"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | int | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = ":".join(str(p) for p in (path, line, column) if p is not None)
        super().__init__(f"{where}: {message}" if where else message)


class StoreError(CockpitError):
    """The history store could not read or write."""

    title = "Storage error"


class ExchangeError(CockpitError):
    """A venue refused or failed a request in a way retrying will not fix."""

    title = "Exchange error"


class NetworkError(ExchangeError):
    """Transport trouble (timeout, reset, 5xx): the same request may succeed later."""

    title = "Network trouble"
    retryable = True


class RateLimitError(NetworkError):
    """The venue asked us to slow down (HTTP 429 and friends).

    ``retry_after``: the seconds the venue said to wait (its ``Retry-After``), if it said;
    a retry must not come sooner (Binance bans the IP of a client that keeps calling).
    """

    title = "Rate limited"

    def __init__(
        self, message: str, *, title: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, title=title)
        self.retry_after = retry_after


class OrderRejected(ExchangeError):
    """The venue rejected an order. Never retried: the same order would be rejected again."""

    title = "Order rejected"


class GateRefused(CockpitError):
    """The pre-trade gate refused an order; ``rule`` names the rule that refused it."""

    title = "Order refused by pre-trade check"

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(f"[{rule}] {message}")


class FeedIntegrityError(CockpitError):
    """A book failed an integrity check (checksum, sequence gap, crossed book)."""

    title = "Feed integrity"
    retryable = True


class TradingDisabled(CockpitError):
    """Trading is not possible right now (kill switch, replay, observer, read-only venue)."""

    title = "Trading disabled"


class IllegalTransition(CockpitError):
    """An order update would move an order along an edge its state machine does not have."""

    title = "Order state conflict"


class AuditBroken(CockpitError):
    """The audit trail's hash chain is broken; ``row_id`` is the first row that fails."""

    title = "Audit trail broken"

    def __init__(self, row_id: int, message: str) -> None:
        self.row_id = row_id
        super().__init__(f"row {row_id}: {message}")


class DaemonError(CockpitError):
    """The daemon is already running on this database, or no daemon answers on the socket."""

    title = "Daemon"


class ProtocolError(DaemonError, ValueError):
    """A control-channel frame the server refuses: not JSON, too long or too deep, a
    non-finite number, a field of the wrong type, or a message out of order. The server
    answers it with an ``error`` message; a ``ValueError`` too, for callers that parse."""

    title = "Protocol error"


def is_retryable(exc: BaseException) -> bool:
    """The one place that decides whether an exception may be retried."""
    if isinstance(exc, CockpitError):
        return exc.retryable
    return isinstance(exc, (TimeoutError, ConnectionError, OSError))
