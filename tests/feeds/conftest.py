"""Fixtures over the shared exchange captures (read from ../shared/data, never copied)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from core.ports import MarketEvent


@pytest.fixture(scope="session")
def exchange_data(shared_data: Path) -> Path:
    return shared_data / "exchange"


@pytest.fixture(scope="session")
def cryptofeed_dir(exchange_data: Path) -> Path:
    return exchange_data / "cryptofeed"


@pytest.fixture(scope="session")
def instrument_frame(exchange_data: Path) -> str:
    """Kraken's v2 instrument snapshot as one line (its strings hold no newlines)."""
    text = (exchange_data / "kraken-data-recorder" / "instrument_snapshot.json").read_text()
    return "".join(line.strip() for line in text.splitlines())


@pytest.fixture(scope="session")
def kraken_v2_frames(exchange_data: Path) -> list[str]:
    """The python-kraken-sdk depth-10 book capture as compact wire frames, snapshot first."""
    fixture = json.loads((exchange_data / "python-kraken-sdk" / "orderbook-v2.json").read_text())
    frames = [fixture["init"], *fixture["updates"]]
    return [json.dumps(frame, separators=(",", ":")) for frame in frames]


@pytest.fixture()
def kraken_v2_jsonl(tmp_path: Path, instrument_frame: str, kraken_v2_frames: list[str]) -> Path:
    """A JSON Lines recording: the instrument frame (bare) first, then timestamped book frames."""
    path = tmp_path / "kraken-v2.jsonl"
    lines = [instrument_frame]
    lines += [
        json.dumps({"ts": 1690730998.0 + i, "frame": f}) for i, f in enumerate(kraken_v2_frames)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


Until = Callable[..., Awaitable[float]]


async def _until(
    events: AsyncIterator[MarketEvent], condition: Callable[[], bool], limit: float = 8.0
) -> float:
    """Consume ``events`` until ``condition()`` holds; return the seconds it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    if condition():
        return 0.0
    async with asyncio.timeout(limit):
        async for _ in events:
            if condition():
                break
    return loop.time() - start


@pytest.fixture()
def until() -> Until:
    """``await until(stream, condition, limit)``: drive a feed until something holds (or fail
    with ``TimeoutError`` after ``limit`` seconds)."""
    return _until
