"""``cockpit venue check`` against the loopback Kraken venue (recorded AssetPairs)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from cockpit.cli import main
from core.venues.loopback import KrakenLoopback


async def test_venue_check_reports_markets_fees_and_balances(
    tmp_path: Path,
    kraken_server: KrakenLoopback,
    secrets_in_use: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
) -> None:
    keys = tmp_path / "kraken.keys"
    keys.write_text(f"key: {secrets_in_use[0]}\nsecret: {secrets_in_use[1]}\n")
    os.chmod(keys, 0o600)
    config = tmp_path / "config.yaml"
    config.write_text(
        "venues:\n"
        "  - name: kraken\n"
        "    kind: kraken\n"
        f"    rest_url: {kraken_server.url}\n"
        f"    secret_file: {keys}\n"
        "    symbols: [BTC/USD, ETH/EUR, NOPE/USD]\n"
    )
    argv = ["--config", str(config), "venue", "check", "--json"]
    assert await asyncio.to_thread(main, argv) == 0
    out = capsys.readouterr()
    (report,) = json.loads(out.out)
    assert report["markets"] == 289 and report["keys"] is True
    assert report["symbols"]["BTC/USD"]["tick"] == "0.1"
    assert report["symbols"]["ETH/EUR"]["tick"] == "0.01"
    assert report["unknown_symbols"] == ["NOPE/USD"]
    assert report["fees"] == {"symbol": "BTC/USD", "maker": "0.0016", "taker": "0.0026"}
    assets = {(b["location"], b["asset"]): b["total"] for b in report["balances"]}
    assert assets[("kraken:spot", "BTC")] == "1.5" and assets[("kraken:earn", "DOT")] == "40"
    for secret in secrets_in_use[:2]:
        assert secret not in out.out + out.err

    os.chmod(keys, 0o644)
    assert await asyncio.to_thread(main, argv) == 2
    err = capsys.readouterr().err
    assert f"secret file {keys} has mode 0644" in err and secrets_in_use[0] not in err
