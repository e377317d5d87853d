"""Roles and confirm tokens on the control socket.

Every command kind is in the one role table; an observer sending any operator kind is
refused and nothing another client sees changes (test per kind); a re-arm or a flatten needs
a confirm token bound to the command and the connection, valid once and for a short time.
Admission (caps, operator reserve) and the tokens are also tested sans-I/O on a driven clock.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from core.bootstrap import build_core
from core.daemon.admission import Admission
from core.daemon.confirm import ConfirmTokens, may_need_confirm, needs_confirm
from core.daemon.protocol import COMMAND_RULES, Role, allowed
from core.daemon.server import ControlServer
from core.service import Core
from core.views import AbortPlan, CancelAll, Command, KillSwitch, RefreshRisk
from tests.daemon.recorded import sim_settings
from tests.daemon.test_audit_identity import RawClient, resting_buy


def command_kinds() -> set[str]:
    union = typing.get_args(typing.get_args(Command)[0])
    return {model.model_fields["kind"].default for model in union}


def test_every_command_kind_declares_its_role() -> None:
    assert set(COMMAND_RULES) == command_kinds()
    reads = {
        "execution_history",
        "chart_history",
        "performance_report",  # the analytics screen's figures, read from the store
        "list_orders",
        "get_book",
        "plan_status",
        "select_market",  # each connection's own market (test_market_choice.py)
        "cycle_market",
    }  # they change nothing another client sees
    assert {k for k, r in COMMAND_RULES.items() if r.role is Role.OBSERVER} == reads
    assert not allowed(Role.OBSERVER, "some_future_kind")  # unknown: operator-only
    assert allowed(Role.OPERATOR, "some_future_kind")


def sample_commands(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One valid command of each operator-only kind."""
    return {
        "refresh_risk": {"kind": "refresh_risk"},
        "regenerate_plan": {"kind": "regenerate_plan", "preset": None},
        "preview_plan": {"kind": "preview_plan"},
        "place_order": {"kind": "place_order", "request": order},
        "place_emulated": {
            "kind": "place_emulated",
            "type": "stop",
            "request": {**order, "client_order_id": "obs-stop"},
            "trigger": order["price"],
        },
        "cancel_order": {
            "kind": "cancel_order",
            "venue": "sim-a",
            "symbol": "BTC/USDT",
            "client_order_id": "resting-1",
        },
        "cancel_all": {"kind": "cancel_all"},
        "kill_switch": {"kind": "kill_switch", "level": 2, "reason": "observer"},
        "acknowledge_audit": {"kind": "acknowledge_audit", "note": "observer"},
        "execute_plan": {"kind": "execute_plan", "plan_id": "whatever"},
        "abort_plan": {"kind": "abort_plan"},
        "import_cointracking": {"kind": "import_cointracking", "files": ["/nonexistent.csv"]},
        "import_prices": {"kind": "import_prices", "file": "/nonexistent.csv"},
    }


async def shared_state(core: Core) -> dict[str, Any]:
    """Everything an observer's command could change that another client would see."""
    assert core.execution is not None
    manager = core.execution.manager
    plan = core.plans.planner.view
    return {
        "market": core.selection.market,
        "kill": core.publish().kill_level,
        "orders": {k: o.status for k, o in manager.orders.items()} if manager else {},
        "audit": len(await manager.audit.rows()),
        "plan": (plan.plan_id, plan.preset, plan.as_of) if plan is not None else None,
        "risk": core.analytics.risk.as_of if core.analytics.risk is not None else None,
    }


@asynccontextmanager
async def served(tmp_path: Path) -> AsyncIterator[tuple[Core, Path]]:
    core = build_core(sim_settings(tmp_path / "c.db"))
    await core.start()
    server = ControlServer(core)
    sock = tmp_path / "s.sock"
    await server.start(sock)
    try:
        yield core, sock
    finally:
        await server.close()
        await core.stop()


async def test_an_observer_is_refused_every_operator_kind_and_nothing_changes(
    tmp_path: Path,
) -> None:
    async with served(tmp_path) as (core, sock):
        operator = await RawClient.connect(sock, "operator", "op")
        observer = await RawClient.connect(sock, "observer", "watcher")
        try:
            order = (await resting_buy(core, "resting-1")).model_dump(mode="json")
            assert (await operator.command({"kind": "place_order", "request": order}))["ok"]
            publisher = next(t for t in core.tasks.tasks if t.get_name() == "publisher")
            samples = sample_commands({**order, "client_order_id": "obs-1"})
            assert set(samples) == {k for k, r in COMMAND_RULES.items() if r.role is Role.OPERATOR}
            for kind, command in samples.items():
                before = await shared_state(core)
                refused = await observer.command(command)
                assert not refused["ok"], kind
                assert refused["message"] == f"refused: {kind} needs the operator role"
                ticket = await observer.ask(
                    {"type": "confirm_request", "id": 99, "command": command}
                )
                assert not ticket["ok"] and "needs the operator role" in ticket["message"]
                assert await shared_state(core) == before, kind
            assert not publisher.done()
            # Reading is allowed.
            history = await observer.command({"kind": "execution_history", "limit": 5})
            assert history["ok"] and "data" in history
        finally:
            await observer.close()
            await operator.close()


async def test_rearm_and_flatten_need_a_confirm_token_bound_to_the_command(
    tmp_path: Path,
) -> None:
    async with served(tmp_path) as (core, sock):
        operator = await RawClient.connect(sock, "operator", "op")
        other = await RawClient.connect(sock, "operator", "other")
        try:
            pause = {"kind": "kill_switch", "level": 1, "reason": "drill"}
            assert (await operator.command(pause))["ok"]  # one step: no token needed
            rearm = {"kind": "kill_switch", "engage": False}
            flatten = {"kind": "kill_switch", "level": 3, "reason": "drill"}

            async def ticket(client: RawClient, command: dict[str, Any]) -> str:
                answer = await client.ask({"type": "confirm_request", "id": 0, "command": command})
                assert answer["ok"] and answer["expires_in_s"] == 30.0
                return str(answer["token"])

            async def with_token(client: RawClient, command: dict[str, Any], token: Any) -> Any:
                return await client.ask(
                    {"type": "command", "id": 1, "command": command, "confirm": token}
                )

            for command in (rearm, flatten):
                bare = await operator.command(command)
                assert not bare["ok"] and "send confirm_request first" in bare["message"]
                assert core.publish().kill_level == 1
            wrong = await with_token(operator, rearm, await ticket(operator, flatten))
            assert not wrong["ok"] and "another command" in wrong["message"]
            stolen = await with_token(other, rearm, await ticket(operator, rearm))
            assert not stolen["ok"] and "unknown or already used" in stolen["message"]
            # Escalating one step from "cancelled" flattens: that needs a token too.
            assert (await operator.command({"kind": "kill_switch", "level": 2}))["ok"]
            step = await operator.command({"kind": "kill_switch", "reason": "next step"})
            assert not step["ok"] and core.publish().kill_level == 2

            token = await ticket(operator, rearm)
            assert (await with_token(operator, rearm, token))["ok"]
            assert core.publish().kill_level == 0
            reused = await with_token(operator, rearm, token)
            assert not reused["ok"] and "already used" in reused["message"]
            unconfirmed = [e.message for e in core.events if "refused unconfirmed" in e.message]
            assert len(unconfirmed) == 6
        finally:
            await other.close()
            await operator.close()


def test_confirm_tokens_expire_on_a_driven_clock() -> None:
    tokens = ConfirmTokens(ttl_s=30.0)
    rearm = KillSwitch(engage=False)
    token = tokens.issue(rearm, now=100.0)
    assert tokens.redeem(token, rearm, now=130.5) == "confirm token expired (valid 30 s)"
    fresh = tokens.issue(rearm, now=200.0)
    assert tokens.redeem(fresh, rearm, now=229.9) is None
    assert tokens.redeem(None, rearm, now=230.0) == "no confirm token: send confirm_request first"
    many = [tokens.issue(rearm, now=300.0) for _ in range(20)]  # only the newest 8 are kept
    assert tokens.redeem(many[0], rearm, now=300.0) is not None
    assert tokens.redeem(many[-1], rearm, now=300.0) is None


@pytest.mark.parametrize(
    ("command", "kill_level", "needed"),
    [
        (KillSwitch(engage=False), 1, True),
        (KillSwitch(level=3), 0, True),
        (KillSwitch(level=1), 0, False),
        (KillSwitch(level=2), 1, False),
        (KillSwitch(), 1, False),
        (KillSwitch(), 2, True),
        (CancelAll(), 2, False),
        (AbortPlan(), 0, False),
        (RefreshRisk(), 0, False),
    ],
)
def test_which_commands_need_a_token(command: Command, kill_level: int, needed: bool) -> None:
    assert needs_confirm(command, kill_level) is needed
    if needed:
        assert may_need_confirm(command)  # the client always asks when the server may


def test_admission_keeps_slots_for_operators_and_evicts_the_idlest_observer() -> None:
    admission: Admission[str] = Admission(max_clients=4, operator_reserve=2, max_pending=3)
    assert admission.arrive("p1", 0.0) == () and admission.arrive("p2", 1.0) == ()
    assert admission.arrive("p3", 2.0) == ()
    assert admission.arrive("p4", 3.0) == ("p1",)  # the oldest pending one makes room
    assert admission.hello("o1", Role.OBSERVER, 4.0).admitted
    assert admission.hello("o2", Role.OBSERVER, 5.0).admitted
    third = admission.hello("o3", Role.OBSERVER, 6.0)
    assert not third.admitted and "2 slot(s) are kept for operators" in third.reason
    assert admission.hello("a1", Role.OPERATOR, 7.0).admitted
    assert admission.hello("a2", Role.OPERATOR, 8.0).admitted
    admission.active("o1", 9.0)  # o2 is now the idlest observer
    full = admission.hello("a3", Role.OPERATOR, 10.0)
    assert full.admitted and full.evict == ("o2",)
    admission.leave("o1")
    assert admission.hello("a4", Role.OPERATOR, 11.0).admitted
    refused = admission.hello("a5", Role.OPERATOR, 12.0)
    assert not refused.admitted and admission.attached == 4


async def test_a_client_is_told_why_it_waits_no_longer(tmp_path: Path) -> None:
    """An observer over the cap hears why before the server closes the connection."""
    async with served(tmp_path) as (_, sock):
        clients = [await RawClient.connect(sock, "observer", f"o{i}") for i in range(14)]
        reader, writer = await asyncio.open_unix_connection(sock)
        writer.write(b'{"type":"hello","role":"observer"}\n')
        lines = (await reader.read()).splitlines()
        assert b"too many clients" in lines[-1] and b'"type":"bye"' in lines[-1]
        writer.close()
        for client in clients:
            await client.close()
