"""``cockpit risk --db``: the report from the cockpit's own database (the merged portfolio and
the stored closes; balances without a cached price are valued at their last daily close)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.models import Balance
from core.risk import compute_report
from core.risk.history import PriceHistory
from core.store import Store
from tests.risk.conftest import read_ftx

FILES = {"BTC": "BTC-USD", "ETH": "ETH-USD", "XRP": "XRP-USD"}
HELD = {"BTC": Decimal("0.5"), "ETH": Decimal("4"), "XRP": Decimal("3000"), "USD": Decimal(2000)}


def stored_closes(shared_data: Path) -> dict[str, list[tuple[datetime, float]]]:
    return {
        asset: [(datetime.fromtimestamp(t, UTC), c) for t, c in read_ftx(shared_data, name)]
        for asset, name in FILES.items()
    }


@pytest.fixture
def db(shared_data: Path, tmp_path: Path) -> Path:
    """Real FTX daily closes and two balance snapshots (the later one counts) in a store."""
    path = tmp_path / "cockpit.db"
    now = datetime(2024, 1, 1, tzinfo=UTC)

    async def fill() -> None:
        store = await Store.open(path)
        await store.save_daily_closes("ftx", stored_closes(shared_data))
        old = [
            Balance(
                location_id="kraken:spot",
                asset="BTC",
                total=Decimal(9),
                free=Decimal(9),
                ts=now - timedelta(hours=1),
            )
        ]
        store.record_balances(old)
        store.record_balances(
            Balance(location_id=loc, asset=a, total=q / 2, free=q / 2, ts=now)
            for a, q in HELD.items()
            for loc in ("kraken:spot", "ledger:cold")
        )
        store.record_balances(
            [
                Balance(
                    location_id="kraken:spot",
                    asset="NOPRICE",
                    total=Decimal(5),
                    free=Decimal(5),
                    ts=now,
                )
            ]
        )
        await store.close()

    asyncio.run(fill())
    return path


def test_report_from_the_database_matches_the_engine_on_the_same_inputs(
    db: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["risk", "--db", str(db), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert "no price for NOPRICE" in captured.err

    # Independently: value each holding at its last close, cash at 1.
    closes = {a: read_ftx(shared_data, f) for a, f in FILES.items()}
    values = {a: float(HELD[a]) * closes[a][-1][1] for a in FILES} | {"USD": float(HELD["USD"])}
    total = sum(values.values())
    weights = {a: v / total for a, v in values.items()}
    longest = max(closes.values(), key=len)
    closes["USD"] = [(t, 1.0) for t, _ in longest]
    direct = compute_report(PriceHistory.from_series(closes), weights)
    assert data["n_observations"] == direct.n_observations
    assert data["volatility"] == pytest.approx(direct.volatility, rel=1e-12)
    for method, levels in direct.model_dump(mode="json")["var"].items():
        assert data["var"][method] == pytest.approx(levels, rel=1e-12), method
    assert data["effective_assets"] == pytest.approx(1 / sum(w * w for w in weights.values()))


def test_window_option_applies_to_the_database_report(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["risk", "--db", str(db), "--window", "90", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_observations"] == 90


def test_missing_database_and_empty_database_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.db"
    assert main(["risk", "--db", str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(missing) in err and "no cockpit database" in err

    empty = tmp_path / "empty.db"
    asyncio.run(_create(empty))
    assert main(["risk", "--db", str(empty)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no import and no balance snapshot" in err


def test_prices_without_weights_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["risk", "--prices", str(tmp_path / "p.csv")]) == 1
    assert "--prices and --weights together" in capsys.readouterr().err


async def _create(path: Path) -> None:
    store = await Store.open(path)
    await store.close()
