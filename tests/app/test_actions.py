"""The action registry (parse, complete, palette entries), the keymap checks, the status line's
words and the zero-change format: pure functions, no app."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cockpit.actions import ACTIONS, ActionContext, complete, parse
from cockpit.app import CockpitApp
from cockpit.keymap import bindings, problems
from cockpit.orders import from_words
from cockpit.palette import entries
from core.errors import DataError
from core.models import Price, PriceSource, Side
from core.views import HoldingRow, HoldingsView
from widgets import format as fmt
from widgets.status import day_change, trading_status

CTX = ActionContext(
    panes=("holdings", "risk", "plan", "book", "log"),
    themes=("dark", "light", "colorblind"),
    presets=("fixed", "hrp", "risk-parity"),
    markets=(("sim-a", "BTC/USDT"), ("sim-a", "ETH/USDT"), ("sim-b", "BTC/USD")),
    orders=("tui-abc", "tui-abd"),
    keys={"app.kill_switch": "^k"},
)


def test_every_action_has_its_app_method_and_a_unique_word() -> None:
    assert len({a.name for a in ACTIONS}) == len(ACTIONS)
    for action in ACTIONS:
        assert callable(getattr(CockpitApp, f"cmd_{action.name}", None)), action.name
    ids = {b.id for b in bindings()}
    for action in ACTIONS:
        assert action.binding is None or action.binding in ids, action.binding


def test_parse_checks_words_against_their_choices() -> None:
    inv = parse(":plan hrp", CTX)
    assert inv.action.name == "plan" and inv.args == ("hrp",)
    assert parse("plan", CTX).args == ()
    assert parse(":buy sim-a BTC/USDT 0.1 @ 42000", CTX).args == (
        "sim-a",
        "BTC/USDT",
        "0.1",
        "@",
        "42000",
    )
    for line, message in (
        (":frob", ":frob: unknown command (:help lists them)"),
        (":th light", ":th: unknown command (did you mean theme?)"),
        (":theme", ":theme: missing THEME (usage: :theme THEME)"),
        (":theme neon", ":theme: unknown THEME 'neon' (one of: dark, light, colorblind)"),
        (":buy sim-c BTC/USDT 1", ":buy: unknown VENUE 'sim-c' (one of: sim-a, sim-b)"),
        (":buy sim-b BTC/USDT 1", ":buy: unknown SYMBOL 'BTC/USDT' (one of: BTC/USD)"),
        (":kill now", ":kill: too many arguments (usage: :kill)"),
        (":cancel 'open", "command line: No closing quotation"),
    ):
        with pytest.raises(DataError) as caught:
            parse(line, CTX)
        assert str(caught.value) == message


def test_complete_offers_words_then_arguments() -> None:
    assert complete("th", CTX) == ["theme"]
    assert complete(":theme l", CTX) == ["theme light"]
    assert complete("plan ", CTX) == ["plan fixed", "plan hrp", "plan risk-parity"]
    assert complete("buy sim-a E", CTX) == ["buy sim-a ETH/USDT"]
    assert complete("buy sim-a ETH/USDT 0.1 ", CTX) == ["buy sim-a ETH/USDT 0.1 @"]
    assert complete("cancel tui-abd", CTX) == ["cancel tui-abd"]
    assert complete("market sim-", CTX) == ["market sim-a", "market sim-b"]
    assert complete("nope ", CTX) == [] and complete("kill ", CTX) == []


def test_order_words_become_a_limit_or_market_ticket() -> None:
    limit = from_words("buy", ("sim-a", "BTC/USDT", "0.1", "@", "42,000"))
    assert (limit.side, limit.type, limit.qty, limit.price) == (
        Side.BUY,
        "limit",
        Decimal("0.1"),
        Decimal(42000),
    )
    market = from_words("sell", ("sim-a", "BTC/USDT", "2"))
    assert market.type == "market" and market.price is None
    for args, message in (
        (("sim-a", "BTC/USDT", "x"), ":buy: QTY must be a number, got 'x'"),
        (("sim-a", "BTC/USDT", "-1"), ":buy: QTY must be positive, got '-1'"),
        (("sim-a", "BTC/USDT", "1", "at", "5"), ":buy: expected '@ PRICE' after the quantity"),
        (("sim-a", "BTC/USDT", "1", "@"), ":buy: '@' needs a price after it"),
    ):
        with pytest.raises(DataError) as caught:
            from_words("buy", args)
        assert str(caught.value).startswith(message)


def test_palette_entries_cover_every_action() -> None:
    rows = entries(CTX)
    texts = [r.text for r in rows]
    assert "Kill switch (next step)" in texts and "Plan: regenerate" in texts
    assert {"Plan preset: hrp", "Theme: light", "Show pane: log", "Market: sim-b BTC/USD"} <= set(
        texts
    )
    kill = next(r for r in rows if r.text == "Kill switch (next step)")
    assert kill.help.endswith("[^k]") and kill.invocation is not None
    buy = next(r for r in rows if r.text == "Buy…")
    assert buy.invocation is None and buy.prefill == "buy "
    named = {r.invocation.action.name for r in rows if r.invocation} | {
        r.prefill.strip() for r in rows if r.prefill
    }
    assert named == {a.name for a in ACTIONS}


def test_keymap_problems_are_all_reported_with_their_place() -> None:
    assert problems({}) == []
    assert problems({"app.theme": "T", "app.help": "f1,question_mark"}) == []
    found = [str(p) for p in problems({"app.nope": "x", "app.theme": "p", "log.venue": "o"})]
    assert found[0].startswith("ui.keys.app.nope: unknown binding id (ids here: app.")
    assert "ui.keys.app.theme: key 'p' is already app.privacy (Privacy)" in found
    assert "ui.keys.log.venue: key 'o' is already log.lifecycle (Lifecycle) in the log pane" in (
        found
    )
    # A pane key remapped onto a global key would silently shadow it in that pane.
    shadow = [str(p) for p in problems({"holdings.sort": "q"})]
    assert shadow == [
        "ui.keys.holdings.sort: key 'q' is already app.quit (Quit) in the holdings pane"
    ]


def test_status_line_words_for_each_trading_state() -> None:
    assert trading_status(True, None, 0).describe() == "trading ACTIVE"
    paused = trading_status(False, "kill switch paused: operator (Ctrl+K)", 1)
    assert (paused.label, paused.detail, paused.rearm_key) == ("PAUSED", "operator (Ctrl+K)", "R")
    assert paused.describe() == "trading PAUSED (operator (Ctrl+K)); R re-arms"
    breaker = trading_status(
        False, "kill switch paused: breaker: 5 rejects in 60s", 1, rearm_key="^r"
    )
    assert (breaker.label, breaker.detail) == ("BREAKER", "5 rejects in 60s")
    assert breaker.describe().endswith("; ^r re-arms")
    assert trading_status(False, "kill switch flattened: operator", 3).label == "FLATTENED"
    halted = trading_status(False, "reconciling", 0)
    assert (halted.label, halted.rearm_key) == ("HALTED", "")


def test_day_change_is_the_value_moved_by_each_rows_24h_change() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def row(asset: str, value: str, change: float | None) -> HoldingRow:
        price = Price(asset=asset, value=Decimal(1), source=PriceSource.BOOK_MID)
        return HoldingRow(
            asset=asset,
            group="g",
            location_id="sim-a:spot",
            tradable=True,
            qty=Decimal(value),
            price=price,
            value=Decimal(value),
            weight=0.5,
            change_24h=change,
        )

    view = HoldingsView(
        as_of=now,
        total=Decimal(330),
        rows=(row("A", "110", 0.1), row("B", "100", None), row("C", "120", -0.2)),
        groups=(),
        locations=(),
    )
    change, fraction = day_change(view)  # type: ignore[misc]
    assert change == Decimal(10) - Decimal(30)  # A was 100, C was 150
    assert fraction == pytest.approx(-20 / 350)
    assert day_change(view.model_copy(update={"rows": (row("B", "1", None),)})) is None


def test_a_change_that_rounds_to_zero_has_no_arrow_or_sign() -> None:
    assert fmt.signed_pct(-0.0004) == " 0.0%"
    assert fmt.signed_pct(0.0) == " 0.0%"
    assert fmt.signed_pct(-0.0006) == "▼-0.1%"
    assert fmt.signed_pct(0.012) == "▲+1.2%"


def test_a_memecoin_price_reads_the_same_as_in_the_fill_log() -> None:
    assert fmt.price(Decimal("0.00000124")) == fmt.exact(Decimal("0.00000124")) == "0.00000124"
    assert fmt.price(Decimal("0.0000012")) == "0.00000120"
    assert fmt.price(Decimal("0.5218")) == "0.5218"


def test_a_ticket_becomes_the_core_command_for_its_type() -> None:
    from cockpit.orders import TicketOrder
    from core.models import OrderType
    from core.views import PlaceEmulated, PlaceOrder
    from tests.execution.helpers import BTC_USD

    base = TicketOrder("kraken", "BTC/USD", Side.SELL, "limit", Decimal("0.123456789"))
    from dataclasses import replace

    rounded = replace(base, price=Decimal("42000.04")).rounded(BTC_USD)
    assert rounded.qty == Decimal("0.12345678") and rounded.price == Decimal("42000.1")
    command = rounded.command("tui-1")
    assert isinstance(command, PlaceOrder)
    assert (command.request.type, command.request.price) == (OrderType.LIMIT, Decimal("42000.1"))
    stop = replace(base, type="stop", trigger=Decimal(40000)).command("tui-2")
    assert isinstance(stop, PlaceEmulated) and stop.type == "stop"
    assert stop.request.type is OrderType.MARKET and stop.trigger == Decimal(40000)
    trail = replace(base, type="trailing_stop", trail=Decimal("0.02")).command("tui-3")
    assert isinstance(trail, PlaceEmulated) and trail.trail == Decimal("0.02")
    oco = replace(base, type="oco", price=Decimal(45000), trigger=Decimal(40000)).command("t4")
    assert isinstance(oco, PlaceEmulated) and oco.request.type is OrderType.LIMIT
    ice = replace(base, type="iceberg", price=Decimal(45000), visible=Decimal("0.01"))
    assert isinstance(ice.command("t5"), PlaceEmulated)
    assert replace(base, type="iceberg", price=Decimal(1)).problem() == (
        "iceberg needs a visible slice"
    )
    assert replace(base, type="market", price=Decimal(1)).problem() == (
        "a market order takes no price"
    )
