"""Record a live feed in the JSON Lines framing that ``cockpit feed verify`` replays.

Each received frame becomes ``{"ts": <unix seconds>, "frame": "<text as received>"}`` and each
REST body the client used (Binance depth snapshots) ``{"ts": ..., "url": ..., "body": "..."}``;
see :mod:`core.feeds.capture`. Frames are kept as JSON strings, so they replay byte for byte.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import orjson

from core.feeds.stream import FeedClient
from core.models import FeedHealth


class JsonlRecorder:
    """Append-only writer of the recording framing; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.frames = 0
        self.bodies = 0
        self._fh: IO[bytes] = path.open("ab")

    def frame(self, ts: float, raw: str | bytes) -> None:
        text = raw.decode() if isinstance(raw, bytes) else raw
        self._fh.write(orjson.dumps({"ts": ts, "frame": text}) + b"\n")
        self.frames += 1

    def http(self, ts: float, url: str, body: str | bytes) -> None:
        text = body.decode() if isinstance(body, bytes) else body
        self._fh.write(orjson.dumps({"ts": ts, "url": url, "body": text}) + b"\n")
        self.bodies += 1

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def record(
    feed: FeedClient, symbols: Sequence[str], path: Path, duration: float | None
) -> tuple[JsonlRecorder, FeedHealth]:
    """Run ``feed`` for ``symbols`` (for ``duration`` seconds, or until cancelled) into ``path``."""
    with JsonlRecorder(path) as recorder:
        feed.tap = recorder.frame
        feed.http_tap = recorder.http
        events = feed.stream(symbols)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(duration):
                    async for _ in events:
                        pass
        finally:
            health = feed.health()
            await events.aclose()  # type: ignore[attr-defined]
    return recorder, health
