"""The running core plans a venue it is not connected to indicatively, and never sends those orders.

Beside the two sim venues the core sees an exchange account at Kraken (as an import's
holdings would sit there) with no live book. The plan prices orders there from last known
prices and the configured spread, slippage and fees, marks them indicative, and the run of
that plan sends only its firm orders: the others are accounted for as never sent.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from core.bootstrap import build_core
from core.config import Settings
from core.execution.plan_preview import preview
from core.models import Custody, Location, SubAccount
from core.plan.outcome import OrderOutcome
from core.sim.venue import SimWallet
from core.store.markets import stored_markets
from core.views import ExecutePlan
from tests.foundation.test_service import wait_for_state


class KrakenAccount(SimWallet):
    """Balances at Kraken's spot account, with no venue connected to trade or price them."""

    def __init__(self, balances: dict[str, Decimal]) -> None:
        super().__init__("kraken", balances)
        self.location = Location(
            id="kraken:spot",
            venue="kraken",
            sub_account=SubAccount.SPOT,
            custody=Custody.EXCHANGE,
            tradable=True,
            label="Kraken",
        )


async def test_core_plans_an_unconnected_venue_indicatively_and_sends_only_firm_orders(
    tmp_path: Path,
) -> None:
    settings = Settings.model_validate(
        {
            "store": {"path": str(tmp_path / "k.db")},
            "sim": {"history_days": 60},
            "execution": {
                "paper": {"latency_ms": 0, "jitter_ms": 0},
                "twap_slice_usd": 1_000_000,
            },
            # Kraken first: its cash pays for buys there before the sims'.
            "targets": {"venue_preference": ["kraken", "sim-a", "sim-b"]},
            # A real account is never priced by the sim's books (issue 11): its cash has a
            # real price of its own, as an import's holdings carry the file's.
            "portfolio": {"prices": {"USDT": 1}},
        }
    )
    core = build_core(settings)
    core.balances.accounts.append(KrakenAccount({"USDT": Decimal(60_000)}))
    await core.start()
    try:
        state = await wait_for_state(
            core, lambda s: s.plan is not None and s.plan.plan_id is not None
        )
        assert state.plan is not None and state.plan.plan_id is not None
        view = state.plan
        built = core.plans.planner.current
        assert built is not None and built.plan.id == view.plan_id
        plan = built.plan
        on_kraken = [o for o in plan.orders if o.venue == "kraken"]
        firm = [o for o in plan.orders if not o.indicative]
        assert on_kraken and all(o.indicative for o in on_kraken)
        assert firm and all(o.venue in ("sim-a", "sim-b") for o in firm)
        assert view.indicative and plan.indicative
        # Only live books are checked for staleness; kraken has none.
        assert plan.reference_mids and not any(k.startswith("kraken:") for k in plan.reference_mids)
        markup = settings.targets.indicative.half_spread_and_slippage
        fee = settings.targets.indicative.fee("kraken")
        for o in on_kraken:
            assert o.symbol.endswith(("/USDT", "/USD", "/USDC", "/BTC", "/ETH"))
            assert abs(o.est_avg_price - o.mid * (1 + markup)) <= o.mid * Decimal("1e-6")
            assert abs(o.fee_usd - o.notional_usd * fee) <= Decimal("0.02")
        assert any(n.startswith("no live book at kraken: assumed markets") for n in plan.notes)

        # Reaching a venue stores its markets: a later plan without it knows them.
        stored = await stored_markets(core.store)  # type: ignore[arg-type]
        assert set(stored) == {"sim-a", "sim-b"}
        for venue, (_, instruments) in stored.items():
            assert {i.key for i in instruments} == {
                k for k, i in core.instruments.items() if i.venue == venue
            }
        # The confirm step lists only what will be sent, and counts the rest.
        shown = preview(plan, settings.mode)
        assert {o.venue for o in shown.orders} <= {"sim-a", "sim-b"}
        assert len(shown.orders) == len(firm) and shown.indicative == len(on_kraken)
        result = await core.execute(ExecutePlan(plan_id=plan.id))
        assert result.ok, result.message
        executor = core.execution.plan_executor if core.execution else None
        manager = core.execution.manager if core.execution else None
        assert executor is not None and manager is not None
        progress = await executor.plan_tasks[plan.id]
        assert progress.total == len(firm)  # only the firm orders were requests
        sent = {o.venue for o in manager.orders.values() if o.plan_id == plan.id}
        assert sent and "kraken" not in sent
        refused = [
            row
            for (row,) in await core.store.fetch_all(  # type: ignore[union-attr]
                "SELECT payload FROM audit WHERE kind = 'order.submit'"
            )
            if '"kraken"' in row
        ]
        assert refused == []  # nothing for kraken ever reached the write-ahead log
        await wait_for_state(
            core,
            lambda s: (
                s.plan is not None
                and s.plan.outcome is not None
                and s.plan.outcome.plan_id == plan.id
                and s.plan.outcome.count(OrderOutcome.NOT_SENT) == len(on_kraken)
            ),
        )
        outcome = core.plans.planner.outcome
        assert outcome is not None
        never = [o for o in outcome.orders if o.outcome is OrderOutcome.NOT_SENT]
        assert {o.venue for o in never} == {"kraken"}
        assert all(o.why == "indicative: no live book on kraken, never sent" for o in never)
    finally:
        await core.stop()
