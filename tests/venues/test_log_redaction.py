"""Signed requests through the loopback Kraken and Binance venues at DEBUG: the log (caplog
and cockpit's own 0600 log file) shows that requests were made, never a key, secret or
signature."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.daemon.logs import configure_file_logging
from core.models import OrderRequest, OrderType, Side
from core.redact import redact
from core.venues.loopback import BinanceLoopback, KrakenLoopback
from core.venues.rest import CcxtRest


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """cockpit's plain log file at DEBUG, as the TUI sets it up (root handlers restored)."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    path = tmp_path / "logs" / "cockpit.log"
    configure_file_logging(path, "DEBUG")
    try:
        yield path
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved
        root.setLevel(level)


def read(path: Path) -> str:
    return path.read_text()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_clean(text: str, secrets: tuple[str, ...], signatures: set[str]) -> None:
    assert signatures - {""}, "no signed request was made"
    for value in (*secrets, *signatures - {""}):
        assert value not in text


async def test_binance_signed_urls_are_redacted_at_debug(
    binance_rest: CcxtRest,
    binance_server: BinanceLoopback,
    secrets_in_use: tuple[str, ...],
    caplog: pytest.LogCaptureFixture,
    log_file: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    await binance_rest.fetch_balances()
    request = OrderRequest(
        client_order_id="redact-1",
        venue="binance",
        symbol="NKN/USDT",
        side=Side.SELL,
        type=OrderType.LIMIT,
        qty=Decimal("100"),
        price=Decimal("9"),
    )
    await binance_rest.submit(request)
    text = read(log_file)
    assert "signature=[redacted]" in text and "'X-MBX-APIKEY': '[redacted]'" in text
    assert "signature=[redacted]" in caplog.text  # redacted at the source, for any handler
    assert_clean(text + caplog.text, secrets_in_use, binance_server.seen_signatures)
    assert mode(log_file) == 0o600 and mode(log_file.parent) == 0o700


async def test_kraken_signed_headers_are_redacted_at_debug(
    kraken_rest: CcxtRest,
    kraken_server: KrakenLoopback,
    secrets_in_use: tuple[str, ...],
    caplog: pytest.LogCaptureFixture,
    log_file: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    await kraken_rest.fetch_balances()
    text = read(log_file)
    assert "'API-Sign': '[redacted]'" in text and "'API-Key': '[redacted]'" in text
    assert_clean(text + caplog.text, secrets_in_use, kraken_server.seen_signatures)


def test_redaction_covers_the_usual_spellings() -> None:
    cases = {
        "GET https://x/api/v3/account?timestamp=1&signature=ab12cd": "signature=[redacted]",
        "{'X-MBX-APIKEY': 'k-1', 'Content-Type': 'a'}": "'X-MBX-APIKEY': '[redacted]'",
        '{"apiKey": "k-2", "n": 1}': '"apiKey": "[redacted]"',
        "nonce=5&otp=123456&pair=XBTUSD": "otp=[redacted]",
        "Authorization: Bearer abc.def": "Authorization: [redacted]",
    }
    for raw, shown in cases.items():
        hidden = redact(raw)
        assert shown in hidden, hidden
        assert not re.search(r"ab12cd|k-1|k-2|123456|abc\.def", hidden)
    assert redact("price=61234.5 qty=0.01") == "price=61234.5 qty=0.01"
