"""Each client chooses its own market (issue 11): an observer may switch markets, and what the
operator sees does not change; an operator's choice moves the core's selected market."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from core.daemon.market_choice import MarketChoice
from core.daemon.protocol import Role
from core.daemon.remote import RemoteCore
from core.views import (
    CockpitState,
    CycleMarket,
    MarketRef,
    PlaceOrder,
    SelectMarket,
)
from tests.app.conftest import WAIT_S
from tests.daemon.test_audit_identity import resting_buy
from tests.daemon.test_roles import served

BTC = MarketRef(venue="sim-a", symbol="BTC/USDT")
ETH = MarketRef(venue="sim-a", symbol="ETH/USDT")


async def state_where(client: RemoteCore, ok: Callable[[CockpitState], bool]) -> CockpitState:
    """The first state ``client`` receives (or holds) for which ``ok`` is true."""

    async def scan() -> CockpitState:
        async for state in client.updates(60):
            if ok(state):
                return state
        raise AssertionError("the connection closed")

    return await asyncio.wait_for(scan(), WAIT_S)


def shows(state: CockpitState, market: MarketRef) -> bool:
    return (
        state.market == market
        and state.book is not None
        and (state.book.venue, state.book.symbol) == (market.venue, market.symbol)
        and state.instrument is not None
        and state.instrument.key == market.key
    )


async def test_an_observer_switches_markets_and_the_operator_sees_no_change(
    tmp_path: Path,
) -> None:
    async with served(tmp_path) as (core, sock):
        assert core.selection.market == BTC
        operator = RemoteCore(sock, role=Role.OPERATOR, client="op")
        observer = RemoteCore(sock, role=Role.OBSERVER, client="watcher")
        await operator.start()
        await observer.start()
        try:
            result = await observer.send(SelectMarket(venue="sim-a", symbol="ETH/USDT"))
            assert result.ok, result.message
            switched = await state_where(observer, lambda s: shows(s, ETH))
            # The operator receives states published after the switch, still on its market.
            seen = await state_where(operator, lambda s: s.version > switched.version)
            assert shows(seen, BTC) and core.selection.market == BTC
            # The observer's chosen book keeps moving with its market (published on change).
            later = await state_where(observer, lambda s: shows(s, ETH) and s.book != switched.book)
            assert later.version > switched.version

            # An observer cycles from its own market; still refused anything that trades.
            assert (await observer.send(CycleMarket(step=-1))).ok
            back = await state_where(observer, lambda s: s.market != ETH)
            assert back.market is not None and back.market != ETH
            order = await resting_buy(core, "obs-1")
            refused = await observer.send(PlaceOrder(request=order))
            assert not refused.ok and "needs the operator role" in refused.message
            manager = core.execution.manager if core.execution else None
            assert manager is not None and "obs-1" not in manager.orders

            # The operator's choice moves the core's market; the observer keeps its own.
            assert (await operator.send(SelectMarket(venue="sim-a", symbol="ETH/USDT"))).ok
            moved = await state_where(operator, lambda s: shows(s, ETH))
            assert core.selection.market == ETH
            kept = await state_where(observer, lambda s: s.version > moved.version)
            assert kept.market == back.market
            unknown = await observer.send(SelectMarket(venue="sim-a", symbol="NOPE/USDT"))
            assert not unknown.ok and "unknown market sim-a:NOPE/USDT" in unknown.message
        finally:
            await observer.stop()
            await operator.stop()


def test_cycling_starts_from_the_followed_market_and_wraps() -> None:
    markets = (BTC, ETH)
    choice = MarketChoice()
    assert choice.choose(CycleMarket(step=1), markets, following=ETH).ok
    assert choice.market == BTC  # wrapped past the end
    assert choice.choose(CycleMarket(step=1), markets, following=ETH).ok
    assert choice.market == ETH  # from its own choice now, not the followed one
    assert not choice.choose(CycleMarket(step=1), (), following=None).ok
