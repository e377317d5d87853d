"""Privacy mode: no amount and no account id anywhere on a screenshot of the running cockpit."""

from __future__ import annotations

import html
import re
from pathlib import Path

from cockpit.app import CockpitApp
from core.bootstrap import build_core
from core.client import ThreadedCore
from core.config import Settings
from core.models import EventKind
from tests.app.conftest import press, wait_until
from widgets import format as fmt
from widgets.holdings_table import HoldingsTable

DOLLAR_DIGIT = re.compile(r"\$\d")


def screen_text(app: CockpitApp) -> str:
    """The characters of an SVG screenshot (what the terminal showed), styles dropped."""
    svg = app.export_screenshot()
    svg = re.sub(r"<style>.*?</style>", "", svg, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_privacy_screenshot_shows_no_amount_and_no_account_id(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"store": {"path": str(tmp_path / "c.db")}, "ui": {"privacy": True}}
    )
    client = ThreadedCore(lambda: build_core(settings))
    app = CockpitApp(settings, client)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_until(pilot, lambda: app.states_seen >= 1, "the first state")
            holdings = app.main.query_one(HoldingsTable)
            await wait_until(pilot, lambda: holdings.view is not None, "holdings")
            assert holdings.view is not None
            ids = sorted({r.location_id for r in holdings.view.rows})
            assert "sim-a:spot" in ids
            core, loop = client.core, client._loop
            assert core is not None and loop is not None
            secret = f"balances of {ids[0]} read: $12,345.67 free (uid 1000)"
            loop.call_soon_threadsafe(lambda: core.log_event(EventKind.SYSTEM, secret))
            # Per-location rows (the location column), then subtotals by location (headers).
            await press(pilot, "1", "l")
            await wait_until(pilot, lambda: holdings.per_location, "per-location rows")
            masked = f"balances of {ids[0].partition(':')[0]}:••••• read: ••••• free (uid •••••)"
            await wait_until(pilot, lambda: masked in screen_text(app), "the masked log line")
            for by, header in (("group", "▸ BTC"), ("location", "▸ sim-a:•••••")):
                await wait_until(pilot, lambda by=by: holdings.by == by, f"grouping by {by}")

                def painted(header: str = header) -> bool:
                    shown = [holdings.line_text(i) for i in range(holdings.line_count)]
                    return any(line.startswith(header) for line in shown)

                await wait_until(pilot, painted, f"holdings by {by}")
                text = screen_text(app)
                assert not DOLLAR_DIGIT.search(text), DOLLAR_DIGIT.findall(text)
                leaked = [i for i in ids if i in text]
                assert leaked == [], leaked
                assert "12,345" not in text and "uid 1000" not in text
                await press(pilot, "b")
            # The same screen with privacy off shows what was masked: the check can fail.
            await press(pilot, "p")
            await wait_until(pilot, lambda: "sim-a:spot" in screen_text(app), "ids in clear")
            text = screen_text(app)
            assert DOLLAR_DIGIT.search(text) and secret in text
            await app.action_quit()
    finally:
        await client.stop()


def test_mask_text_and_location_keep_the_venue_and_mask_accounts_and_numbers() -> None:
    assert fmt.location("kraken:spot", privacy=True) == "kraken:•••••"
    assert fmt.location("kraken:spot") == "kraken:spot"
    assert fmt.location("manual", privacy=True) == "•••••"
    assert fmt.location("3 loc", privacy=True) == "3 loc"  # a summary, not an id
    line = "operator command cancel_all from client#2:attach (pid 4242, uid 1000): ok"
    assert fmt.mask_text(line) == (
        "operator command cancel_all from client#•••••:attach (pid •••••, uid •••••): ok"
    )
    assert fmt.mask_text("moved $1,234.50 from ledger:cold-0xAB12 to binance:spot") == (
        "moved ••••• from ledger:••••• to binance:•••••"
    )
    assert fmt.mask_text("alert kill: kill switch paused") == "alert kill: kill switch paused"
