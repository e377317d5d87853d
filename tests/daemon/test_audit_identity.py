"""Operator identity in the audit trail: commands over the control socket are audited with the
client that sent them; observers are refused and leave no action in the audit chain."""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.bootstrap import build_core
from core.daemon.protocol import MAX_LINE, Peer, Role, audit_actor, decode, encode
from core.daemon.server import ControlServer
from core.execution.audit import verify_rows
from core.models import OrderRequest, OrderStatus, OrderType, Side
from core.service import Core
from core.views import CockpitState, PlaceOrder
from tests.app.conftest import WAIT_S
from tests.daemon.recorded import sim_settings


class RawClient:
    """A control-socket client speaking the documented JSON, one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.ids = reader, writer, 0

    @classmethod
    async def connect(cls, sock: Path, role: str, name: str) -> RawClient:
        client = cls(*await asyncio.open_unix_connection(sock, limit=MAX_LINE))
        welcome = await client.ask({"type": "hello", "role": role, "client": name})
        assert welcome["type"] == "welcome" and welcome["role"] == role
        return client

    async def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        self.writer.write(encode(message))
        await self.writer.drain()
        return decode(await asyncio.wait_for(self.reader.readuntil(b"\n"), WAIT_S))

    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        self.ids += 1
        answer = await self.ask({"type": "command", "id": self.ids, "command": command})
        assert answer["type"] == "result" and answer["id"] == self.ids
        return answer

    async def confirmed(self, command: dict[str, Any]) -> dict[str, Any]:
        """A re-arm or a flatten: a confirm token first, then the command carrying it."""
        self.ids += 1
        ticket = await self.ask({"type": "confirm_request", "id": self.ids, "command": command})
        assert ticket["type"] == "confirm" and ticket["ok"], ticket
        self.ids += 1
        answer = await self.ask(
            {"type": "command", "id": self.ids, "command": command, "confirm": ticket["token"]}
        )
        assert answer["type"] == "result" and answer["id"] == self.ids
        return answer

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def resting_buy(core: Core, coid: str) -> OrderRequest:
    """A paper limit buy 3 % under the mid of sim-a BTC/USDT (it rests until cancelled)."""
    shown = asyncio.Event()

    def on_state(state: CockpitState) -> None:
        if state.book is not None and (state.book.venue, state.book.symbol) == key:
            shown.set()

    key = ("sim-a", "BTC/USDT")  # the default market: the book pane shows it once it arrived
    core.add_listener(on_state)
    try:
        await asyncio.wait_for(shown.wait(), WAIT_S)
    finally:
        core.remove_listener(on_state)
    book = core.venues["sim-a"].book("BTC/USDT", 5)
    assert book is not None and book.mid is not None
    inst = core.instruments["sim-a:BTC/USDT"]
    return OrderRequest(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        qty=Decimal("0.01"),
        price=inst.round_price(book.mid * Decimal("0.97")),
    )


def test_audit_actor_is_short_and_stable() -> None:
    peer = Peer(pid=4242, uid=1000, gid=1000)
    assert audit_actor(Role.OPERATOR, peer, "cockpit-attach/0.1.0") == (
        "operator:1000:4242:cockpit-attach/0.1.0"
    )
    # What the client claims cannot forge the kernel's fields or run on: one short token.
    forged = audit_actor(Role.OPERATOR, peer, "x:0:1 evil\n" + "y" * 100)
    assert forged == "operator:1000:4242:x_0_1_evil_" + "y" * 29
    assert audit_actor(Role.OPERATOR, peer, "") == "operator:1000:4242:unknown"


async def test_socket_commands_are_audited_with_the_clients_identity(tmp_path: Path) -> None:
    core = build_core(sim_settings(tmp_path / "c.db"))
    await core.start()
    server = ControlServer(core)
    sock = tmp_path / "s.sock"
    await server.start(sock)
    manager = core.execution.manager if core.execution else None
    assert manager is not None
    clients: list[RawClient] = []
    try:
        operator = await RawClient.connect(sock, "operator", "audit-test/1")
        observer = await RawClient.connect(sock, "observer", "audit-watch")
        clients += [operator, observer]
        me = f"operator:{os.getuid()}:{os.getpid()}:audit-test/1"
        before = len(await manager.audit.rows())

        request = await resting_buy(core, "sock-1")
        placed = await operator.command(PlaceOrder(request=request).model_dump(mode="json"))
        assert placed["ok"], placed
        assert manager.orders["sock-1"].status is OrderStatus.OPEN
        # Level 2 cancels every open order: the cancel is the operator's too.
        engaged = await operator.command({"kind": "kill_switch", "reason": "drill", "level": 2})
        assert engaged["ok"] and engaged["message"] == "kill switch cancelled"
        assert manager.orders["sock-1"].status is OrderStatus.CANCELLED

        rows = (await manager.audit.rows())[before:]
        actions = [(r.kind, r.actor) for r in rows]
        assert ("order.submit", me) in actions
        assert ("kill_switch.engage", me) in actions
        assert ("order.cancel", me) in actions
        # Every action but the venue's own order events (acks, cancels) is the client's.
        assert all(actor in (me, "venue") for _, actor in actions), actions
        engage = next(r for r in rows if r.kind == "kill_switch.engage")
        assert '"reason":"drill"' in engage.payload and '"level":"cancelled"' in engage.payload

        # The observer is refused, and the audit chain gains no row.
        audited = len(await manager.audit.rows())
        refused_order = await observer.command(
            PlaceOrder(request=await resting_buy(core, "obs-1")).model_dump(mode="json")
        )
        refused_kill = await observer.command({"kind": "kill_switch", "engage": False})
        refused_stop = await observer.command({"kind": "abort_plan"})
        for refused in (refused_order, refused_kill, refused_stop):
            assert not refused["ok"] and "needs the operator role" in refused["message"]
        assert len(await manager.audit.rows()) == audited
        assert "obs-1" not in manager.orders and core.publish().kill_level == 2
        refusals = [e.message for e in core.events if e.message.startswith("refused ")]
        assert len(refusals) == 3 and all("audit-watch" in m for m in refusals)

        # The operator re-arms; an in-process caller is still the generic "operator".
        assert (await operator.confirmed({"kind": "kill_switch", "engage": False}))["ok"]
        local = await core.execute(PlaceOrder(request=await resting_buy(core, "local-1")))
        assert local.ok, local.message
        tail = [
            (r.kind, r.actor) for r in (await manager.audit.rows())[audited:] if r.actor != "venue"
        ]
        assert tail == [("kill_switch.rearm", me), ("order.submit", "operator")]

        # Executing the current plan and flattening (kill level 3) are the client's too.
        mark = len(await manager.audit.rows())
        preview = await operator.command({"kind": "preview_plan"})
        assert preview["ok"], preview
        await operator.command({"kind": "execute_plan", "plan_id": preview["message"]})
        flattened = await operator.confirmed({"kind": "kill_switch", "reason": "flat", "level": 3})
        assert flattened["ok"] and flattened["message"] == "kill switch flattened"
        later = (await manager.audit.rows())[mark:]
        plan_row = next(r for r in later if r.kind in ("plan.execute", "plan.refused"))
        assert plan_row.actor == me and preview["message"] in plan_row.payload
        flatten = [
            (r.kind, r.actor)
            for r in later
            if '"reason":"kill switch: flatten"' in r.payload and r.actor != "venue"
        ]
        assert ("order.submit", me) in flatten
        assert all(actor == me for _, actor in flatten), flatten  # submitted or refused
        assert verify_rows(await manager.audit.rows()) == len(await manager.audit.rows())
    finally:
        for client in clients:
            await client.close()
        await server.close()
        await core.stop()
