"""Alerts: rules over real sim states, edge-triggered and rate-limited; TUI and daemon delivery."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from aiohttp import web

from core.alerts import AlertEngine
from core.bootstrap import build_core
from core.daemon.alerts import AlertDispatcher
from core.daemon.settings import AlertRule, AlertsConfig
from core.models import EventKind, FeedState, LogEvent
from core.views import CockpitState
from core.views import KillSwitch as KillSwitchCommand
from tests.app.conftest import WAIT_S, running_app, wait_until
from tests.daemon.recorded import record_session, sim_settings


def btc_price(state: CockpitState) -> Decimal:
    assert state.holdings is not None
    price = next(r.price.value for r in state.holdings.rows if r.asset == "BTC")
    assert price is not None
    return price


async def test_rules_fire_on_the_edge_and_respect_the_rate_limit(tmp_path: Path) -> None:
    live = [s for s in await record_session(tmp_path / "c.db", states=30) if s.holdings]
    first = live[0]
    btc = btc_price(first)
    # Under every recorded price, so "above" holds in each state whatever the sim did.
    floor = min(btc_price(s) for s in live) - 1
    rules = (
        AlertRule(name="btc-up", kind="price_above", symbol="BTC", level=floor),
        AlertRule(name="btc-down", kind="price_below", symbol="BTC", level=btc / 2),
        AlertRule(name="var", kind="var", level=Decimal("0.0001")),
        AlertRule(name="stale", kind="feed_stale"),
        AlertRule(name="rejects", kind="order_rejected"),
    )
    engine = AlertEngine(AlertsConfig(rules=rules, min_interval_s=60))
    now = first.ts
    fired = [a.message for a in engine.evaluate(first, now)]
    assert fired[0] == f"alert btc-up: BTC {btc} above {floor}"
    assert fired[1].startswith("alert var: 1-day 95% VaR ") and len(fired) == 2
    # Still above: no new alert (edge-triggered), whatever the following states hold.
    for state in live[1:]:
        assert [a.message for a in engine.evaluate(state, now)] == []

    # A feed goes stale, then an order is rejected: each fires once.
    last = live[-1]
    stale = last.model_copy(
        update={"feeds": (last.feeds[0].model_copy(update={"state": FeedState.STALE}),)}
    )
    assert [a.message for a in engine.evaluate(stale, now)] == [
        f"alert stale: feed {last.feeds[0].venue} stale"
    ]
    rejected = LogEvent(ts=now, kind=EventKind.ORDER_REJECTED, message="rejected buy 1 BTC/USDT")
    with_reject = last.model_copy(update={"events": (*last.events, rejected)})
    assert [a.message for a in engine.evaluate(with_reject, now)] == [
        "alert rejects: rejected buy 1 BTC/USDT"
    ]
    # BTC falls back under the level and rises again within the interval: rate-limited...
    below = btc_price(last) * 2
    dip = engine.config.model_copy(
        update={"rules": (rules[0].model_copy(update={"level": below}),)}
    )
    engine.config = dip
    assert engine.evaluate(last, now) == []
    engine.config = AlertsConfig(rules=rules, min_interval_s=60)
    assert engine.evaluate(last, now + timedelta(seconds=30)) == []
    # ...and allowed again once the interval has passed.
    engine.config = dip
    engine.evaluate(last, now)
    engine.config = AlertsConfig(rules=rules, min_interval_s=60)
    again = engine.evaluate(last, now + timedelta(seconds=61))
    assert [a.message.split(":")[0] for a in again] == ["alert btc-up"]


async def test_tui_notifies_and_daemon_runs_command_and_posts_webhook(tmp_path: Path) -> None:
    received: list[dict[str, object]] = []
    got = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append(await request.json())
        got.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/alert", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    out = tmp_path / "alert.json"
    base = sim_settings(tmp_path / "c.db")
    settings = base.model_copy(
        update={
            "alerts": AlertsConfig(
                rules=(AlertRule(name="var", kind="var", level=Decimal("0.0001")),),
                command=("sh", "-c", f"cat > {out}"),
                webhook=f"http://127.0.0.1:{port}/alert",
            )
        }
    )
    try:
        core = build_core(settings)
        dispatcher = AlertDispatcher(core)
        dispatcher.attach()
        await core.start()
        try:
            await asyncio.wait_for(got.wait(), WAIT_S)
            while True:  # clear before checking, so a delivery in between is not missed
                dispatcher.done.clear()
                if dispatcher.delivered >= 1:
                    break
                await asyncio.wait_for(dispatcher.done.wait(), WAIT_S)
        finally:
            await core.stop()
    finally:
        await runner.cleanup()
    assert received[0]["kind"] == "alert"
    assert str(received[0]["message"]).startswith("alert var: 1-day 95% VaR")
    assert json.loads(out.read_text()) == received[0]
    with sqlite3.connect(tmp_path / "c.db") as conn:  # every alert is journaled
        stored = conn.execute("SELECT message FROM events WHERE kind = 'alert'").fetchall()
    assert stored and stored[0][0] == received[0]["message"]

    # The TUI announces the alert (notification + bell) from the in-process core.
    async with running_app(settings.model_copy(update={"store": base.store})) as (tui, pilot):
        await wait_until(pilot, lambda: tui.alerts_shown >= 1, "the alert announced")
        # notify() posts a message: the notification lands once the app has processed it.
        await wait_until(
            pilot,
            lambda: any("alert var" in n.message for n in tui._notifications),
            "the alert notification",
        )


async def test_kill_switch_rule_follows_the_states_kill_level(tmp_path: Path) -> None:
    live = [s for s in await record_session(tmp_path / "k.db", states=12) if s.holdings]
    armed, later = live[0], live[-1]
    assert armed.kill_level == 0 and armed.trading_enabled
    engine = AlertEngine(
        AlertsConfig(rules=(AlertRule(name="kill", kind="kill_switch"),), min_interval_s=60)
    )
    now = armed.ts
    assert engine.evaluate(armed, now) == []

    def at(state: CockpitState, level: int, reason: str | None) -> CockpitState:
        return state.model_copy(
            update={"kill_level": level, "trading_enabled": level == 0, "trading_reason": reason}
        )

    paused = at(later, 1, "kill switch paused: operator")
    fired = engine.evaluate(paused, now)
    assert [(a.kind, a.message) for a in fired] == [
        (EventKind.ALERT, "alert kill: kill switch paused (kill switch paused: operator)")
    ]
    # No log text is needed: a state that only carries the level trips the rule...
    assert not any("kill switch" in e.message for e in paused.events)
    # ...it stays quiet while the level holds, and fires again on each escalation at once.
    assert engine.evaluate(paused, now + timedelta(seconds=1)) == []
    cancelled = at(later, 2, "kill switch cancelled: breaker: drawdown")
    assert [a.message for a in engine.evaluate(cancelled, now + timedelta(seconds=2))] == [
        "alert kill: kill switch cancelled (kill switch cancelled: breaker: drawdown)"
    ]
    # A log line mentioning the kill switch does not trip it while the level is armed.
    chatter = LogEvent(ts=now, kind=EventKind.SYSTEM, message="kill switch re-armed")
    rearmed = at(later, 0, None).model_copy(update={"events": (*later.events, chatter)})
    assert engine.evaluate(rearmed, now + timedelta(seconds=3)) == []
    # Engaged again after a re-arm: a new edge, but inside the interval it is rate-limited.
    assert engine.evaluate(paused, now + timedelta(seconds=4)) == []
    assert [a.message.split(":")[0] for a in engine.evaluate(rearmed, now)] == []
    again = engine.evaluate(paused, now + timedelta(seconds=120))
    assert [a.message.split(":")[0] for a in again] == ["alert kill"]


async def test_kill_switch_alert_from_a_running_core(tmp_path: Path) -> None:
    base = sim_settings(tmp_path / "r.db")
    settings = base.model_copy(
        update={"alerts": AlertsConfig(rules=(AlertRule(name="kill", kind="kill_switch"),))}
    )
    core = build_core(settings)
    await core.start()
    try:
        assert (await core.execute(KillSwitchCommand(reason="drill"))).ok
        core.publish()
        alerts = [e.message for e in core.events if e.kind is EventKind.ALERT]
        assert "alert kill: kill switch paused (kill switch paused: drill)" in alerts
    finally:
        await core.stop()
