"""``ReplayClient``: a :class:`~core.client.CoreClient` that plays a journaled session back.

The TUI cannot tell a replay from a live core except by the state's ``replay`` flag (the REPLAY
badge) and ``trading_enabled=False``; every command is refused. Frames are played at their
recorded pace times ``speed``; :meth:`toggle_pause`, :meth:`step`, :meth:`seek` and
:meth:`set_speed` are the transport controls the replay app binds to keys.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from core.client import paced_states
from core.journal import Frame, load_frames, reader
from core.journalcodec import FrameReader
from core.statecodec import StateDecoder
from core.store.db import to_ns
from core.views import CockpitState, Command, CommandResult

SPEEDS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


class ReplayClient:
    """Plays the journal of ``session_id`` (the latest when None) from ``db``."""

    read_only = True

    def __init__(
        self,
        db: Path,
        session_id: int | None = None,
        *,
        start_at: datetime | None = None,
        speed: float = 1.0,
        paused: bool = False,
    ) -> None:
        self.db = db
        self.session_id = session_id
        self.start_at = start_at
        self.speed = speed
        self.paused = paused
        self.frames: list[Frame] = []
        self.index = -1
        self.finished = False
        self._keys: list[int] = []
        self._reader: FrameReader | None = None
        self._decoder = StateDecoder()
        self._state: CockpitState | None = None
        self._changed = asyncio.Event()
        self._control = asyncio.Event()
        self._player: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ CoreClient

    def preload(self) -> None:
        """Read the journal now (raises StoreError with a one-line reason if there is none)."""
        self.session_id, self.frames = load_frames(self.db, self.session_id)

    async def start(self) -> None:
        if not self.frames:
            self.session_id, self.frames = await asyncio.to_thread(
                load_frames, self.db, self.session_id
            )
        self._keys = [i for i, f in enumerate(self.frames) if f.full]
        self._reader = reader(self.frames)
        if self.start_at is not None:
            self.seek_to(self.start_at)
        else:
            self._goto(0)
        self._player = asyncio.create_task(self._play(), name="replay-player")

    async def stop(self) -> None:
        if self._player is not None:
            self._player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._player
            self._player = None

    def latest(self) -> CockpitState | None:
        return self._state

    async def updates(self, max_hz: float) -> AsyncIterator[CockpitState]:
        async for state in paced_states(lambda: self._state, self._changed, max_hz):
            yield state

    async def send(self, command: Command) -> CommandResult:
        return CommandResult(ok=False, message=f"{command.kind}: replay is read-only")

    # ------------------------------------------------------------------ position

    @property
    def position(self) -> datetime | None:
        return self._state.ts if self._state is not None else None

    def _goto(self, index: int) -> None:
        """Decode the state at ``index``: forward from here, or from the keyframe before it."""
        index = max(0, min(index, len(self.frames) - 1))
        if index != self.index + 1 or self.index < 0:
            key = self._keys[max(0, bisect.bisect_right(self._keys, index) - 1)]
            start = key
        else:
            start = index
        if self._reader is None:
            self._reader = reader(self.frames)
        for i in range(start, index + 1):
            self._decoder.apply(self._reader.frame(i))
        self.index = index
        self.finished = index == len(self.frames) - 1
        decoded = self._decoder.state
        assert decoded is not None
        self._state = decoded.model_copy(update={"replay": True, "trading_enabled": False})
        self._changed.set()

    # ------------------------------------------------------------------ transport

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        if not self.paused and self.finished:
            self._goto(0)
        self._control.set()
        return self.paused

    def step(self, frames: int = 1) -> None:
        """Pause and move ``frames`` frames (negative: back)."""
        self.paused = True
        self._goto(self.index + frames)
        self._control.set()

    def seek(self, seconds: float) -> None:
        """Move by ``seconds`` of recorded time (negative: back)."""
        if not self.frames:
            return
        target = self.frames[max(self.index, 0)].ts_ns + int(seconds * 1e9)
        self._seek_ns(target)

    def seek_to(self, when: datetime) -> None:
        self._seek_ns(to_ns(when))

    def _seek_ns(self, target: int) -> None:
        stamps = [f.ts_ns for f in self.frames]
        index = max(0, bisect.bisect_right(stamps, target) - 1)
        self.index = -1  # force decoding from the keyframe
        self._goto(index)
        self._control.set()

    def set_speed(self, speed: float) -> None:
        self.speed = max(0.01, speed)
        self._control.set()

    def faster(self) -> float:
        self.set_speed(next((s for s in SPEEDS if s > self.speed), SPEEDS[-1]))
        return self.speed

    def slower(self) -> float:
        self.set_speed(next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0]))
        return self.speed

    async def _play(self) -> None:
        while True:
            self._control.clear()
            if self.paused or self.finished:
                await self._control.wait()
                continue
            gap = (self.frames[self.index + 1].ts_ns - self.frames[self.index].ts_ns) / 1e9
            try:
                async with asyncio.timeout(max(gap, 0.0) / self.speed):
                    await self._control.wait()
            except TimeoutError:
                self._goto(self.index + 1)
