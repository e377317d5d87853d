"""The flight recorder: the states the core published, journaled per session for replay.

:class:`StateJournal` listens to a core's published states and queues compressed frames
(:mod:`core.statecodec`: a full frame every ``keyframe_s``, changed sections in between) into
the store's ``journal`` table, each delta's parts deflated against their previous values
(:mod:`core.journalcodec`). Market data (the selected book, feed health, the trading status)
is journaled at the rate the UI shows it (``ui.fps``, or ``journal.market_hz`` if lower), a
changed book as a difference from the previous one (:mod:`core.bookdiff`); the
portfolio sections (:data:`SLOW_SECTIONS`: holdings, risk, plan), which are most of a state's
bytes, at most ``journal.max_hz`` (a pending change goes with the next frame that may carry
it). Events, orders, fills and balances already have their own tables (events carry the
session id); operator commands arrive there as events. Old frames are deleted by the core's
retention task (:mod:`core.store.retention`).

The read side (:func:`list_sessions`, :func:`load_frames`) uses plain read-only ``sqlite3``:
the journal of a running daemon can be read by another process thanks to WAL mode.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import StoreError
from core.journalcodec import DELTA, FrameCompressor, FrameReader
from core.statecodec import SECTIONS, FrameError, StateEncoder
from core.store.db import from_ns, to_ns
from core.views import CockpitState

if TYPE_CHECKING:
    from core.config import Settings
    from core.service import Core
    from core.store import Store

log = logging.getLogger(__name__)

JOURNAL_INSERT = (
    "INSERT INTO journal (session_id, ts_ns, version, full, frame) VALUES (?, ?, ?, ?, ?)"
)


SLOW_SECTIONS: frozenset[str] = frozenset({"holdings", "risk", "plan"})
"""Journaled at most ``journal.max_hz``: large, and derived from the market data and balances
(holdings are re-priced four times a second, each time ~10 KB of JSON on the sim)."""
MARKET_SECTIONS: frozenset[str] = frozenset(SECTIONS) - SLOW_SECTIONS
"""Journaled at the UI's rate whenever they change: the book, feeds, market, trading status."""

JITTER = 0.9
"""Gaps are compared with 0.9 x the period: the publisher's own pacing jitters around it."""


class StateJournal:
    """Journals published states. Attach to a core with :meth:`attach` before ``core.start()``.

    ``store`` returns the store once the core has opened it; ``clock`` (monotonic seconds)
    paces the frames and can be driven by tests.
    """

    def __init__(
        self,
        settings: Settings,
        store: Callable[[], Store | None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        cfg = settings.journal
        self.settings = settings
        self._store = store
        self._clock = clock
        self._encoder = StateEncoder(settings.ui.log_lines, diff_book=True)
        self._compressor = FrameCompressor()
        self._keyframe_s = cfg.keyframe_s
        fps = settings.ui.fps
        self._market_gap = 1.0 / min(cfg.market_hz or fps, fps)
        self._slow_gap = 1.0 / min(cfg.max_hz, fps)
        self._last_key = float("-inf")
        self._last_frame = float("-inf")
        self._last_slow = float("-inf")
        self.frames = 0
        self.slow_frames = 0
        """Frames that carried a portfolio section (or were full)."""

    @classmethod
    def attach(cls, core: Core) -> StateJournal | None:
        if not core.settings.journal.enabled:
            return None
        journal = cls(core.settings, lambda: core.store)
        core.add_listener(journal.record)
        return journal

    def record(self, state: CockpitState) -> None:
        """Queue ``state`` as a frame (full at each keyframe), at most at the market rate;
        the portfolio sections go with it only if ``max_hz`` allows one more now."""
        store = self._store()
        if store is None or store.session_id is None:
            return
        now = self._clock()
        if now - self._last_frame < self._market_gap * JITTER:
            return
        full = now - self._last_key >= self._keyframe_s
        if full:
            self._last_key = now
        self._last_frame = now
        slow = full or now - self._last_slow >= self._slow_gap * JITTER
        raw = self._encoder.encode(state, full=full, sections=None if slow else MARKET_SECTIONS)
        if full or not SLOW_SECTIONS.isdisjoint(self._encoder.sent_sections):
            # The period starts when a portfolio section is actually written: a rare change
            # (a new plan) after a quiet spell goes out at once.
            self._last_slow = now
            self.slow_frames += 1
        frame = self._compressor.compress(raw, full=full)
        store.add(JOURNAL_INSERT, (store.session_id, to_ns(state.ts), state.version, full, frame))
        self.frames += 1


# --------------------------------------------------------------------------- read side


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    started: datetime
    ended: datetime | None
    mode: str
    venues: str
    clean_exit: bool
    frames: int
    events: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started": self.started.isoformat(),
            "ended": self.ended.isoformat() if self.ended else None,
            "mode": self.mode,
            "venues": self.venues,
            "clean_exit": self.clean_exit,
            "frames": self.frames,
            "events": self.events,
        }


@dataclass(frozen=True, slots=True)
class Frame:
    ts_ns: int
    version: int
    full: bool
    blob: bytes
    """The compressed frame, as stored (decompressed only when played)."""

    @property
    def data(self) -> bytes:
        """The JSON frame of a standalone blob (a keyframe, or an older journal's frame); a
        delta needs the frames before it: read those with :func:`reader`."""
        if self.blob[:1] == bytes((DELTA,)):
            raise FrameError("a delta frame decodes only after its keyframe (use a reader)")
        return zlib.decompress(self.blob)


def reader(frames: list[Frame]) -> FrameReader:
    """Decoded access to ``frames`` (as :func:`load_frames` returns them) by index."""
    return FrameReader([f.blob for f in frames], [f.full for f in frames])


def _connect(db: Path) -> sqlite3.Connection:
    if not db.exists():
        raise StoreError(f"{db}: no such database")
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM journal LIMIT 1")
    except sqlite3.Error as exc:
        raise StoreError(f"{db}: cannot read the journal: {exc}") from exc
    return conn


def list_sessions(db: Path) -> list[SessionInfo]:
    """Every recorded session, newest first, with its journal and event counts."""
    conn = _connect(db)
    try:
        rows = conn.execute(
            "SELECT s.id, s.started_ns, s.ended_ns, s.mode, s.venues, s.clean_exit,"
            " (SELECT COUNT(*) FROM journal j WHERE j.session_id = s.id),"
            " (SELECT COUNT(*) FROM events e WHERE e.session_id = s.id)"
            " FROM sessions s ORDER BY s.id DESC"
        ).fetchall()
    finally:
        conn.close()
    return [
        SessionInfo(
            id=int(r[0]),
            started=from_ns(int(r[1])),
            ended=from_ns(int(r[2])) if r[2] is not None else None,
            mode=str(r[3]),
            venues=str(r[4]),
            clean_exit=bool(r[5]),
            frames=int(r[6]),
            events=int(r[7]),
        )
        for r in rows
    ]


def load_frames(db: Path, session_id: int | None = None) -> tuple[int, list[Frame]]:
    """The journal of ``session_id`` (the latest session with frames when None), oldest first."""
    conn = _connect(db)
    try:
        if session_id is None:
            row = conn.execute("SELECT MAX(session_id) FROM journal").fetchone()
            if row is None or row[0] is None:
                raise StoreError(f"{db}: no recorded session")
            session_id = int(row[0])
        rows = conn.execute(
            "SELECT ts_ns, version, full, frame FROM journal WHERE session_id = ?"
            " ORDER BY ts_ns, version",
            (session_id,),
        ).fetchall()
    finally:
        conn.close()
    if not rows:
        raise StoreError(f"{db}: session {session_id} has no journal")
    frames = [Frame(int(r[0]), int(r[1]), bool(r[2]), bytes(r[3])) for r in rows]
    first_full = next((i for i, f in enumerate(frames) if f.full), None)
    if first_full is None:
        raise StoreError(f"{db}: session {session_id} has no full frame")
    return session_id, frames[first_full:]
