"""What the sans-I/O frame handlers report, and the per-symbol state they keep.

A handler turns one received frame into a list of small events; the stream clients act on them
(resync a symbol, yield a port event) and ``cockpit feed verify`` just counts them. Counters live
in :class:`BookStats` per symbol, so a summary can say exactly which book went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

from core.feeds.book import L2Book
from core.models import Trade


class SyncState(StrEnum):
    """Where a symbol's book stands with respect to the venue."""

    AWAITING = "awaiting"
    """No usable snapshot yet (first subscription, or after a failure): updates are not applied."""
    LIVE = "live"
    """Built from a snapshot and every update since has passed the checks."""


@dataclass(slots=True)
class BookStats:
    """Integrity counters for one book (or, summed, for a whole feed)."""

    updates: int = 0
    """Book frames (snapshots and updates) applied."""
    snapshots: int = 0
    checksums_ok: int = 0
    checksum_failures: int = 0
    gaps: int = 0
    """Sequence breaks (Binance ``U``/``u``) detected."""
    stale_events: int = 0
    """Events already covered by the book (duplicates, pre-snapshot events): safely skipped."""
    crossed: int = 0
    ticker_checks: int = 0
    ticker_mismatches: int = 0
    ticker_disagreements: int = 0
    """Kraken tickers whose best bid/ask differed from the book's top when they arrived.
    Kraken's ticker and book channels share no sequence, so this is informational (not a
    failure, unlike Binance's sequenced ``bookTicker`` mismatches)."""
    resyncs: int = 0
    """Times this book was marked for a fresh snapshot after a failure."""
    skipped: int = 0
    """Updates ignored while the book awaited a snapshot."""
    trades: int = 0
    trade_gaps: int = 0

    def add(self, other: BookStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def failures(self) -> int:
        """Everything that means the book was, or could have been, wrong."""
        return self.checksum_failures + self.gaps + self.crossed + self.ticker_mismatches

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class BookUpdated:
    """The book of ``symbol`` changed and passed every check."""

    symbol: str


@dataclass(frozen=True, slots=True)
class BookSynced:
    """``symbol`` has a fresh, checked book (after its first snapshot or a resync)."""

    symbol: str


@dataclass(frozen=True, slots=True)
class ResyncNeeded:
    """``symbol``'s book cannot be trusted: fetch or re-subscribe a snapshot for it alone."""

    symbol: str
    reason: str
    failure: bool = True
    """False for the routine first snapshot request, True after a detected fault."""


@dataclass(frozen=True, slots=True)
class TradePrinted:
    trade: Trade


@dataclass(frozen=True, slots=True)
class TickerUpdated:
    symbol: str


@dataclass(frozen=True, slots=True)
class Subscribed:
    channel: str
    symbol: str | None


@dataclass(frozen=True, slots=True)
class VenueReply:
    """A control reply: subscription acks, pongs and errors (``ok`` False)."""

    method: str
    ok: bool
    message: str = ""
    req_id: int | None = None


@dataclass(frozen=True, slots=True)
class Heartbeat:
    pass


@dataclass(frozen=True, slots=True)
class ShutdownNotice:
    """The venue announced maintenance or a connection shutdown: reconnect soon."""

    reason: str


@dataclass(frozen=True, slots=True)
class InstrumentsUpdated:
    count: int


@dataclass(frozen=True, slots=True)
class Malformed:
    """A frame that could not be understood; the handler carried on."""

    reason: str


FeedEvent = (
    BookUpdated
    | BookSynced
    | ResyncNeeded
    | TradePrinted
    | TickerUpdated
    | Subscribed
    | VenueReply
    | Heartbeat
    | ShutdownNotice
    | InstrumentsUpdated
    | Malformed
)

HEARTBEAT = Heartbeat()


@dataclass(slots=True)
class SymbolBook:
    """A book plus what the handler knows about it."""

    symbol: str
    book: L2Book
    depth: int | None = None
    """Subscribed depth (Kraken truncates to it); ``None`` keeps every level."""
    state: SyncState = SyncState.AWAITING
    verified: bool = False
    """At least one checksum (Kraken) or bridge (Binance) has been passed since the snapshot."""
    stats: BookStats = field(default_factory=BookStats)
    last_reason: str = ""
    updated: BookUpdated = field(init=False)

    def __post_init__(self) -> None:
        self.updated = BookUpdated(self.symbol)

    def fail(self, reason: str) -> ResyncNeeded:
        """Mark the book unusable until a new snapshot arrives."""
        self.state = SyncState.AWAITING
        self.verified = False
        self.last_reason = reason
        self.book.clear()
        self.stats.resyncs += 1
        return ResyncNeeded(self.symbol, reason)
