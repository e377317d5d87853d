"""P&L history: average-cost P&L, flows (balance changes no fill explains) and the TWR, on a
hand-built history worked out by hand."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.cli import main
from core.models import Balance, Fill, Liquidity, Side
from core.pnl import balance_flows, time_weighted
from core.pnl.equity import drawdown
from core.portfolio.holdings import PortfolioSnapshot
from core.store import Store
from core.store.portfolio import save_snapshot

# The history, one location "sim:spot" on venue "sim"; balances and snapshots at 23:00 UTC.
# day 1 (2024-03-01): 1000 USD opening balance.                        equity 1000
# day 2: buy 0.01 BTC @ 50,000 (500 USD) + 1 USD fee -> USD 499, BTC 0.01; BTC closes 60,000:
#        equity 0.01*60,000 + 499 = 1099; no flow; r2 = 1099/1000 - 1 = +9.9 %
# day 3: deposit 500 USD (no fill) -> USD 999; BTC closes 55,000: equity 550 + 999 = 1549;
#        flow +500; r3 = (1549 - 500)/1099 - 1 = 1049/1099 - 1
# day 4: sell 0.005 BTC @ 70,000 (350) - 0.5 USD fee, withdraw 200 USD -> USD 1148.5, BTC 0.005;
#        BTC closes 70,000: equity 350 + 1148.5 = 1498.5; flow -200;
#        r4 = (1498.5 + 200)/1549 - 1 = 1698.5/1549 - 1
# TWR = 1.099 * 1049/1099 * 1698.5/1549 - 1 = 1049 * 1698.5 / (1000 * 1549) - 1
#     = 1,781,726.5 / 1,549,000 - 1 = 0.150243066...
# Average cost: the buy costs 500 + 1 = 501 for 0.01 BTC (50,100 each); the sell of 0.005
# removes 250.5 of cost for proceeds 350 - 0.5 = 349.5: realised +99.0; fees 1.5 USD.
# Unrealised: 0.005 BTC at the last close 70,000 against 50,100: (70,000 - 50,100) * 0.005 = 99.5
TWR = 1049 * 1698.5 / (1000 * 1549) - 1
DAY0 = datetime(2024, 3, 1, 23, tzinfo=UTC)
CLOSES = (50_000.0, 60_000.0, 55_000.0, 70_000.0)
USD = (Decimal(1000), Decimal(499), Decimal(999), Decimal("1148.5"))
BTC = (Decimal(0), Decimal("0.01"), Decimal("0.01"), Decimal("0.005"))


def _fill(day: int, side: Side, qty: str, price: int, fee: str, n: int) -> Fill:
    return Fill(
        client_order_id=f"o{n}",
        venue="sim",
        symbol="BTC/USD",
        side=side,
        qty=Decimal(qty),
        price=Decimal(price),
        fee=Decimal(fee),
        fee_asset="USD",
        liquidity=Liquidity.TAKER,
        ts=DAY0 + timedelta(days=day, hours=-11),
        trade_id=f"t{n}",
    )


FILLS = [_fill(1, Side.BUY, "0.01", 50_000, "1", 1), _fill(3, Side.SELL, "0.005", 70_000, "0.5", 2)]


def _balances() -> list[Balance]:
    out = []
    for day in range(4):
        ts = DAY0 + timedelta(days=day)
        for asset, qty in (("USD", USD[day]), ("BTC", BTC[day])):
            if day == 0 and asset == "BTC":
                continue  # BTC first appears on day 2: it was at zero before
            out.append(
                Balance(
                    location_id="sim:spot", asset=asset, total=qty, free=qty, ts=ts, source="sim"
                )
            )
    return out


def test_flows_are_balance_changes_no_fill_explains() -> None:
    flows = balance_flows(_balances(), FILLS)
    assert [(f.ts.date(), f.asset, f.qty) for f in flows] == [
        (date(2024, 3, 3), "USD", Decimal(500)),
        (date(2024, 3, 4), "USD", Decimal(-200)),
    ]


def test_twr_by_hand() -> None:
    equity = [(date(2024, 3, d), v) for d, v in ((1, 1000.0), (2, 1099.0), (3, 1549.0))]
    equity.append((date(2024, 3, 4), 1498.5))
    points, twr = time_weighted(equity, {date(2024, 3, 3): 500.0, date(2024, 3, 4): -200.0})
    assert points[0].day_return is None
    assert points[1].day_return == pytest.approx(0.099, abs=1e-15)
    assert points[2].day_return == pytest.approx(1049 / 1099 - 1, abs=1e-15)
    assert points[3].day_return == pytest.approx(1698.5 / 1549 - 1, abs=1e-15)
    assert twr == pytest.approx(TWR, rel=1e-12)
    assert drawdown([1.0, 2.0, 1.5, 3.0]) == [0.0, 0.0, -0.25, 0.0]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cockpit.db"

    async def build() -> None:
        store = await Store.open(path)
        # Closes as `cockpit import prices` stores them: real closes price a real location
        # (the simulator's own closes price only the simulator's venues).
        await store.save_daily_closes(
            "import", {"BTC": [(DAY0 + timedelta(days=d), c) for d, c in enumerate(CLOSES)]}
        )
        for fill in FILLS:
            await store.record_fill(fill)
        store.record_balances(_balances())
        for day in range(4):
            total = USD[day] + BTC[day] * Decimal(CLOSES[day])
            snap = PortfolioSnapshot(
                ts=DAY0 + timedelta(days=day),
                total_usd=total,
                by_group={},
                by_location={"sim:spot": total},
                holdings=2,
                unpriced=0,
                stale=0,
                taxonomy_version="test",
            )
            await save_snapshot(store, snap)
        await store.close()

    asyncio.run(build())
    return path


def test_pnl_command_on_the_hand_built_history(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pnl", "--db", str(db), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["twr"] == pytest.approx(TWR, rel=1e-12)
    assert [p["flow_usd"] for p in report["equity"]] == [0.0, 0.0, 500.0, -200.0]
    assert [p["equity_usd"] for p in report["equity"]] == [1000.0, 1099.0, 1549.0, 1498.5]
    btc = next(a for a in report["assets"] if a["asset"] == "BTC")
    assert btc["realised_usd"] == pytest.approx(99.0, abs=1e-9)
    assert btc["fees_usd"] == pytest.approx(1.5, abs=1e-12)
    assert btc["avg_cost_usd"] == pytest.approx(50_100.0, abs=1e-9)
    assert btc["unrealised_usd"] == pytest.approx(99.5, abs=1e-9)
    assert report["realised_usd"] == pytest.approx(99.0, abs=1e-9)
    assert "average cost" in report["conventions"]["cost_basis"]


def test_pnl_since_keeps_later_fills_and_days(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pnl", "--db", str(db), "--since", "2024-03-03", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # From day 3: the sell's realised 99.0 and its 0.5 fee; the buy's 1 USD fee is before.
    btc = next(a for a in report["assets"] if a["asset"] == "BTC")
    assert btc["realised_usd"] == pytest.approx(99.0, abs=1e-9)
    assert btc["fees_usd"] == pytest.approx(0.5, abs=1e-12)
    assert [p["day"] for p in report["equity"]] == ["2024-03-03", "2024-03-04"]
    assert report["twr"] == pytest.approx(1698.5 / 1549 - 1, rel=1e-12)


def test_pnl_text_and_csv_by_group(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pnl", "--db", str(db), "--by", "group", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "group,realised_usd,unrealised_usd,fees_usd"
    assert len(lines) >= 2
    assert main(["pnl", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "BTC" in text and "+15.02%" in text


def test_pnl_bad_since_and_missing_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pnl", "--db", str(tmp_path / "no.db")]) == 1
    err = capsys.readouterr().err.strip()
    assert "no cockpit database" in err and "\n" not in err
    with pytest.raises(SystemExit) as info:
        main(["pnl", "--since", "March"])
    assert info.value.code == 2


@st.composite
def _history(draw: st.DrawFn) -> tuple[list[Balance], list[Fill], dict[int, Decimal]]:
    """Balances that follow random fills exactly, plus random deposits/withdrawals of USD."""
    n_days = draw(st.integers(min_value=2, max_value=12))
    usd, btc = Decimal(100_000), Decimal(0)
    balances: list[Balance] = []
    fills: list[Fill] = []
    flows: dict[int, Decimal] = {}
    for day in range(n_days):
        if day:
            for n in range(draw(st.integers(min_value=0, max_value=3))):
                side = draw(st.sampled_from([Side.BUY, Side.SELL]))
                qty = Decimal(draw(st.integers(min_value=1, max_value=100))) / 1000
                if side is Side.SELL and qty > btc:
                    side = Side.BUY
                price = draw(st.integers(min_value=10_000, max_value=90_000))
                fee = Decimal(draw(st.integers(min_value=0, max_value=50))) / 10
                fills.append(_fill(day, side, str(qty), price, str(fee), day * 10 + n))
                sign = 1 if side is Side.BUY else -1
                btc += sign * qty
                usd -= sign * qty * price + fee
            if draw(st.booleans()):
                amount = Decimal(draw(st.integers(min_value=-5_000, max_value=5_000)))
                if amount:
                    flows[day] = amount
                    usd += amount
        ts = DAY0 + timedelta(days=day)
        for asset, qty in (("USD", usd), ("BTC", btc)):
            balances.append(
                Balance(
                    location_id="sim:spot", asset=asset, total=qty, free=qty, ts=ts, source="sim"
                )
            )
    return balances, fills, flows


@settings(max_examples=100, deadline=None)
@given(_history())
def test_flows_are_exactly_what_no_fill_explains(
    history: tuple[list[Balance], list[Fill], dict[int, Decimal]],
) -> None:
    balances, fills, flows = history
    found = balance_flows(balances, fills)
    assert {(f.ts - DAY0).days: f.qty for f in found} == flows
    assert all(f.asset == "USD" for f in found)
