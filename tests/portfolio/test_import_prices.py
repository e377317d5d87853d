"""``cockpit import prices FILE.csv``: daily closes from a wide CSV into the database, whole or
not at all, with errors naming file, line and column."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest

from cockpit.cli import main
from core.risk.files import PRICES_SOURCE
from core.store import Store
from core.store.closes import stored_closes
from tests.portfolio.prices import write_wide_prices


def closes_in(db: Path) -> dict[str, list[tuple[date, float]]]:
    async def read() -> dict[str, list[tuple[date, float]]]:
        store = await Store.open(db)
        try:
            return (await stored_closes(store))[0]
        finally:
            await store.close()

    return asyncio.run(read())


def test_real_closes_are_stored_per_asset_with_a_summary(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = write_wide_prices(shared_data, tmp_path / "prices.csv")
    db = tmp_path / "p.db"
    assert main(["import", "prices", str(csv_path), "--db", str(db), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    closes = closes_in(db)
    assert summary["source"] == PRICES_SOURCE
    assert summary["closes"] == sum(len(p) for p in closes.values())
    assert set(summary["assets"]) == set(closes)
    btc = closes["BTC"]
    assert summary["assets"]["BTC"] == {
        "days": len(btc),
        "first": btc[0][0].isoformat(),
        "last": btc[-1][0].isoformat(),
    }
    # The values are the file's: the last BTC close of the source JSON.
    source = json.loads((shared_data / "seed-origin/price_history/BTC_1d.json").read_text())
    assert btc[-1][1] == pytest.approx(float(source[-1][1]), rel=0, abs=0)


def test_suffixed_columns_name_the_asset_and_gaps_stay_gaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "date,BTC-USD,ETH\n2024-01-01,42000,2300\n2024-01-02,,2350\n2024-01-03,43000,\n"
    )
    db = tmp_path / "p.db"
    assert main(["import", "prices", str(path), "--db", str(db)]) == 0
    assert "4 daily closes for 2 assets, 2024-01-01 to 2024-01-03" in capsys.readouterr().out
    closes = closes_in(db)
    assert closes["BTC"] == [(date(2024, 1, 1), 42000.0), (date(2024, 1, 3), 43000.0)]
    assert closes["ETH"] == [(date(2024, 1, 1), 2300.0), (date(2024, 1, 2), 2350.0)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,BTC\n2024-01-01,42000\n2024-01-02,abc\n", "p.csv:3:BTC"),
        ("date,BTC\n2024-01-01T00:00,1\n2024-01-01T01:00,2\n", "rows are 1h apart"),
        ("date,BTC,BTC-USD\n2024-01-01,1,1\n2024-01-02,2,2\n", "are both BTC"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text)
    db = tmp_path / "p.db"
    assert main(["import", "prices", str(path), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and err.count("\n") == 0
    assert not db.exists()  # checked whole before the database is even opened
