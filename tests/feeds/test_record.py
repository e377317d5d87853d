"""``cockpit feed record`` against the emulator, and the recording verifies."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cockpit.cli import main
from core.feeds.backoff import Backoff
from core.feeds.binance_client import BinanceFeed
from core.feeds.emulator import (
    BinanceEmulator,
    KrakenEmulator,
    binance_from_cryptofeed,
    kraken_from_v1,
)
from core.feeds.recorder import record
from core.feeds.replay import verify_files


async def test_kraken_recording_from_the_cli_verifies(
    cryptofeed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = kraken_from_v1(cryptofeed_dir / "KRAKEN.ws.50.0")
    out = tmp_path / "kraken.jsonl"
    async with KrakenEmulator(script, speed=6.0) as emu:
        argv = ["feed", "record", "--exchange", "kraken", "--url", emu.ws_url, "--depth", "1000"]
        argv += ["--symbols", "XMR/USD", "SC/EUR", "--duration", "1.5", "-o", str(out)]
        assert await asyncio.to_thread(main, argv) == 0
    summary = capsys.readouterr().out
    assert "checksum failures 0" in summary
    first = json.loads(out.read_text().splitlines()[0])
    assert set(first) == {"ts", "frame"}
    report = verify_files("kraken", [out])
    assert report.ok, report.render()
    assert [s.symbol for s in report.symbols] == ["SC/EUR", "XMR/USD"]
    assert report.totals.checksums_ok > 50 and report.totals.checksum_failures == 0


async def test_binance_recording_carries_its_snapshots(
    cryptofeed_dir: Path, tmp_path: Path
) -> None:
    script = binance_from_cryptofeed(
        cryptofeed_dir / "BINANCE.ws.1.0", cryptofeed_dir / "BINANCE.http.0.0"
    )
    out = tmp_path / "binance.jsonl"
    async with BinanceEmulator(script, speed=6.0) as emu:
        feed = BinanceFeed(emu.stream_url, emu.rest_url, backoff=Backoff(0.05, 0.2))
        recorder, health = await record(feed, ["NKN/USDT", "LRC/BTC"], out, 2.0)
    assert recorder.bodies == 2 and recorder.frames > 20 and health.gaps == 0
    report = verify_files("binance", [out])
    assert report.ok, report.render()
    assert {s.symbol for s in report.symbols} == {"NKNUSDT", "LRCBTC"}  # venue spelling
    assert report.http == 2 and report.totals.snapshots == 2 and report.totals.gaps == 0


def test_record_refuses_a_bad_duration(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["feed", "record", "--exchange", "kraken", "--symbols", "BTC/USD", "-o", "x.jsonl"]
    for duration in ("-1", "nan", "inf"):
        assert main([*argv, "--duration", duration]) == 1
        assert "--duration: must be a positive finite number" in capsys.readouterr().err


async def test_emulate_serves_from_the_cli(
    exchange_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        str(exchange_data / "python-kraken-sdk" / "orderbook-v2.json"),
        str(exchange_data / "kraken-data-recorder" / "instrument_snapshot.json"),
    ]
    argv = ["feed", "emulate", "--exchange", "kraken", *files, "--duration", "0.2"]
    assert await asyncio.to_thread(main, argv) == 0
    assert capsys.readouterr().out.startswith("ws ws://127.0.0.1:")
    assert main(["feed", "emulate", "--exchange", "binance", files[0]]) == 1
    assert "give one BINANCE.ws.* and one BINANCE.http.*" in capsys.readouterr().err
