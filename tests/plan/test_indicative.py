"""Plans without live books (issue 11): indicative orders, marked, priced honestly, never sent.

A fresh database holding only a CoinTracking import and daily closes gives a plan through
``cockpit plan --db --build``; bad targets are refused before anything is read.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.config import Settings
from core.errors import GateRefused
from core.execution.gate import GateLimits, check
from core.execution.planrun import not_sent, plan_requests, refuse_reason
from core.models import Instrument
from core.plan.models import Plan
from core.store.db import Store
from core.store.markets import last_closes, save_markets, stored_markets
from tests.execution.test_gate import ctx
from tests.plan.invariants import check_balance

EXPORT = "CoinTracking - Balance by Exchange - 26.08.2025.csv"
DAY = datetime(2025, 8, 30, tzinfo=UTC)


def seed(db: Path, closes: dict[str, float], markets: dict[str, list[Instrument]]) -> None:
    """Daily closes and stored markets, through the store's API (as the cockpit writes them)."""

    async def run() -> None:
        store = await Store.open(db)
        try:
            series = {a: [(DAY - timedelta(days=1), c * 0.9), (DAY, c)] for a, c in closes.items()}
            await store.save_daily_closes("prices-csv", series)
            for venue, instruments in markets.items():
                await save_markets(store, venue, instruments, DAY)
        finally:
            await store.close()

    asyncio.run(run())


@pytest.fixture
def imported(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "c.db"
    assert (
        main(
            [
                "import",
                "cointracking",
                str(shared_data / "cointracking" / EXPORT),
                "--allow-negative",  # the export's few tiny negative balances
                "--db",
                str(db),
            ]
        )
        == 0
    )
    capsys.readouterr()
    return db


def build(db: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Plan:
    assert main(["plan", "--db", str(db), "--build", "--json", *extra]) == 0
    return Plan.model_validate_json(capsys.readouterr().out)


def held(db: Path) -> list:  # type: ignore[type-arg]
    import asyncio

    from core.models import utcnow
    from core.usecases.holdings import read_stored

    return asyncio.run(read_stored(db, Settings(), utcnow())).merged


def test_import_only_database_gives_an_indicative_plan_that_keeps_the_invariants(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "t.yaml"
    targets.write_text(
        "groups: {BTC: 30, ETH: 20, Stablecoins: 15, SOL: 8, 'L1/L0 majors': 9,"
        " L2/Scaling: 4, DeFi: 5, AI/Data: 4, Gaming/NFT: 2, Memecoins: 2, Others: 1}\n"
    )
    plan = build(imported, capsys, "--targets", str(targets))
    assert plan.targets["BTC"] == 30 and plan.orders
    assert plan.indicative and all(o.indicative for o in plan.orders)
    assert plan.reference_mids == {}  # nothing live to go stale against
    assert {o.venue for o in plan.orders} <= {"kraken", "binance"}  # the tradable exchanges
    note = next(n for n in plan.notes if n.startswith("no live book at"))
    assert "spread 20 bp + slippage 30 bp" in note and "assumed markets against" in note
    # Invariants: sells per location within holdings, net within fees of zero once the
    # skipped pieces count, every skipped piece with its reason.
    check_balance(plan, held(imported), Decimal(20))
    indicative = Settings().targets.indicative
    for o in plan.orders:
        # The configured fee, and the assumed spread + slippage around the last known mid.
        rate = indicative.fee(o.venue)
        assert o.fee_usd == (o.notional_usd * rate).quantize(Decimal("0.01")) or abs(
            o.fee_usd - o.notional_usd * rate
        ) <= Decimal("0.02")
        markup = indicative.half_spread_and_slippage
        expected = o.mid * (1 - markup if o.side.value == "sell" else 1 + markup)
        assert abs(o.est_avg_price - expected) <= o.mid * Decimal("1e-6"), o
    # --json says so at the top level too.
    raw = json.loads(plan.model_dump_json())
    assert raw["indicative"] is True and all(o["indicative"] for o in raw["orders"])
    # The table marks each order and the plan.
    assert main(["plan", "--db", str(imported), "--build", "--targets", str(targets)]) == 0
    table = capsys.readouterr().out
    assert "INDICATIVE:" in table and "never sent" in table
    assert "~sell" in table and "net cash $" in table
    args = ["plan", "--db", str(imported), "--build", "--targets", str(targets), "--csv"]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(plan.orders) and all(r["indicative"] == "yes" for r in rows)


def test_last_closes_and_stored_markets_drive_the_indicative_markets(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kraken = [
        Instrument(
            venue="kraken",
            symbol=f"{base}/USD",
            base=base,
            quote="USD",
            price_tick=Decimal("0.01"),
            qty_step=Decimal("0.0001"),
            taker_fee=Decimal("0.004"),
        )
        for base in ("BTC", "ETH", "SOL", "USDT", "XMR", "XLM", "LINK", "NEAR", "DOGE")
    ]
    # SOL at a price of our choosing: the newest daily close wins over the export's price.
    seed(imported, {"SOL": 300.0, "USDT": 1.0}, {"kraken": kraken})
    plan = build(imported, capsys)
    on_kraken = [o for o in plan.orders if o.venue == "kraken"]
    assert on_kraken and {o.symbol for o in on_kraken} <= {i.symbol for i in kraken}
    assert any("kraken: markets stored 2025-08-30" in n for n in plan.notes)
    # Stored steps are kept; the configured fee (kraken 0.26 %) replaces the stored one.
    assert all(o.qty % Decimal("0.0001") == 0 for o in on_kraken)
    sol = [o for o in plan.orders if o.asset == "SOL" and o.leg == o.legs]
    assert sol and all(abs(o.mid - 300) < Decimal("0.01") for o in sol), sol
    check_balance(plan, held(imported), Decimal(20))


def test_the_store_keeps_the_last_markets_and_the_newest_close(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    inst = Instrument(
        venue="kraken", symbol="BTC/USD", base="BTC", quote="USD",
        price_tick=Decimal("0.1"), qty_step=Decimal("0.0001"),
    )  # fmt: skip
    seed(db, {"BTC": 100.0}, {"kraken": [inst]})

    async def read() -> tuple[object, object]:
        store = await Store.open(db)
        try:
            await save_markets(
                store, "kraken", [inst.model_copy(update={"symbol": "BTC/EUR"})], DAY
            )
            await save_markets(store, "binance", [], DAY)  # nothing loaded: nothing replaced
            return await stored_markets(store), await last_closes(store)
        finally:
            await store.close()

    markets, closes = asyncio.run(read())
    assert markets == {"kraken": (DAY, (inst.model_copy(update={"symbol": "BTC/EUR"}),))}
    assert closes == {"BTC": (datetime.combine(DAY.date(), datetime.max.time(), tzinfo=UTC), 100.0)}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("groups: {BTC: 50, ETH: 40}\n", "missing group(s)"),
        (
            "groups: {BTC: 30, ETH: 20, Stablecoins: 15, SOL: 8, 'L1/L0 majors': 9,"
            " L2/Scaling: 4, DeFi: 5, AI/Data: 4, Gaming/NFT: 2, Memecoins: 2, Others: 11}\n",
            "targets sum to 110%, not 100%",
        ),
        ("groups: {BTC: 100, Bitcoin: 0}\n", "unknown group 'Bitcoin'"),
        ("", "the targets file is empty"),
        ("groups: {}\n", "targets are empty"),
    ],
)
def test_bad_targets_refused_before_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    targets = tmp_path / "bad.yaml"
    targets.write_text(text)
    missing = tmp_path / "never-read.db"  # would be "no such database" if it were read first
    assert main(["plan", "--db", str(missing), "--build", "--targets", str(targets)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and problem in captured.err and "bad.yaml" in captured.err
    assert "Traceback" not in captured.err and not missing.exists()


def test_unknown_preset_refused_before_anything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "never-read.db"
    assert main(["plan", "--db", str(missing), "--build", "--strategy", "hrpp"]) == 2
    err = capsys.readouterr().err
    assert "unknown preset 'hrpp'" in err and "no such database" not in err


def test_indicative_orders_are_never_sent(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = build(imported, capsys)
    # The executor refuses a wholly indicative plan, naming why.
    why = refuse_reason(plan, plan.id, plan.as_of)
    assert why is not None and "is indicative" in why and "never sent" in why
    # A mixed plan sends only its firm orders; the run lists the others as not sent.
    firm = plan.orders[0].model_copy(update={"indicative": False})
    mixed = plan.model_copy(update={"orders": (firm, *plan.orders[1:])})
    assert refuse_reason(mixed, mixed.id, mixed.as_of) is None
    requests, _ = plan_requests(mixed)
    assert [r.client_order_id for r in requests] == [f"{mixed.id}-0001"]
    assert len(not_sent(mixed)) == len(plan.orders) - 1
    assert all("indicative" in why for why in not_sent(mixed).values())
    # And the gate refuses an indicative request by name, before any other rule.
    with pytest.raises(GateRefused) as info:
        check(plan.orders[0].to_request(plan.id), ctx(None), GateLimits())
    assert info.value.rule == "indicative" and "never sent" in str(info.value)
