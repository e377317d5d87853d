"""Portfolio persistence: imports are one transaction; a bad file leaves the database as it was."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.errors import StoreError
from core.models import Balance, Price, PriceSource
from core.portfolio.ctimport import CtImport, build_import
from core.portfolio.ctparse import parse_export
from core.portfolio.holdings import snapshot
from core.portfolio.locations import LocationRegistry
from core.portfolio.taxonomy import default_taxonomy
from core.store import Store
from core.store.migrations import MIGRATIONS
from core.store.portfolio import (
    cached_prices,
    latest_balances,
    latest_import,
    save_import,
    save_prices,
    save_snapshot,
    snapshots,
)
from tests.portfolio.ctfiles import ALL_EXPORTS, BALANCE_BY_EXCHANGE, CURRENT_BALANCE

AS_OF = datetime(2025, 8, 26, tzinfo=UTC)
NOW = datetime(2025, 8, 27, 8, tzinfo=UTC)


def _import(ct_dir: Path, *names: str) -> CtImport:
    exports = [parse_export((ct_dir / n).read_bytes(), n, allow_negative=True) for n in names]
    return build_import(
        exports, registry=LocationRegistry(), taxonomy=default_taxonomy(), as_of=AS_OF
    )


def _fingerprint(db: Path) -> tuple[str, list[str]]:
    """The database file's bytes (hashed) and every file beside it (WAL, SHM...)."""
    return hashlib.sha256(db.read_bytes()).hexdigest(), sorted(p.name for p in db.parent.iterdir())


def _corrupt_copies(ct_dir: Path, tmp_path: Path) -> list[Path]:
    """A copy of each export with one problem: wrong columns, a bad number, truncation."""
    out = []
    for i, name in enumerate(ALL_EXPORTS):
        data = (ct_dir / name).read_bytes()
        if i == 0:
            data = data.replace(b'"Value in USD"', b'"Value in EUR"', 1)
        elif i == 1:
            data = data.replace(b'"5555.24"', b'"5555,24"', 1)
        else:
            data = data[: len(data) // 2]
        path = tmp_path / f"bad-{i}.csv"
        path.write_bytes(data)
        out.append(path)
    return out


async def test_import_round_trips_exactly(ct_dir: Path, tmp_path: Path) -> None:
    imported = _import(ct_dir, BALANCE_BY_EXCHANGE, CURRENT_BALANCE)
    snap = snapshot(imported.holdings, imported.as_of, imported.taxonomy_version)
    store = await Store.open(tmp_path / "c.db")
    try:
        import_id = await save_import(store, imported, NOW, snap)
        stored = await latest_import(store)
        assert stored is not None and stored.id == import_id
        assert sorted(stored.holdings, key=lambda h: (h.asset, h.location_id)) == sorted(
            imported.holdings, key=lambda h: (h.asset, h.location_id)
        )
        assert stored.files == imported.files and stored.as_of == AS_OF
        assert stored.total_usd == imported.total_usd
        assert await snapshots(store, source="import") == [snap]
        assert await snapshots(store, source="live") == []
        # a second import becomes the latest; the first stays in history
        second = await save_import(store, _import(ct_dir, CURRENT_BALANCE), NOW)
        latest = await latest_import(store)
        assert latest is not None and latest.id == second > import_id
        assert await store.count("holdings_imports") == 2
    finally:
        await store.close()


async def test_failed_write_rolls_back_to_the_same_bytes(ct_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    imported = _import(ct_dir, BALANCE_BY_EXCHANGE)
    store = await Store.open(db)
    await save_import(store, imported, NOW)
    await store.close()
    before = _fingerprint(db)
    # the same holding twice violates the primary key after the header row was inserted
    broken = imported.model_copy(update={"holdings": (*imported.holdings, imported.holdings[0])})
    store = await Store.open(db)
    try:
        with pytest.raises(StoreError, match="write failed"):
            await save_import(store, broken, NOW)
        assert await store.count("holdings_imports") == 1
        assert await store.count("imported_holdings") == len(imported.holdings)
    finally:
        await store.close()
    assert _fingerprint(db) == before


@pytest.mark.parametrize("existing", [True, False])
def test_cli_refuses_each_corrupted_copy_and_leaves_the_db_alone(
    ct_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], existing: bool
) -> None:
    db = tmp_path / "db" / "c.db"
    if existing:
        assert (
            main(
                [
                    "import",
                    "cointracking",
                    str(ct_dir / CURRENT_BALANCE),
                    "--allow-negative",
                    "--db",
                    str(db),
                ]
            )
            == 0
        )
        before = _fingerprint(db)
    capsys.readouterr()
    good = str(ct_dir / BALANCE_BY_EXCHANGE)
    for bad in _corrupt_copies(ct_dir, tmp_path):
        assert (
            main(["import", "cointracking", good, str(bad), "--allow-negative", "--db", str(db)])
            == 1
        )
        err = capsys.readouterr().err
        assert err.startswith(f"cockpit: bad input: {bad}:") and err.count("\n") == 1
        parts = err.removeprefix(f"cockpit: bad input: {bad}:").split(":")
        assert parts[0].isdigit() and parts[1].isdigit()  # line and column
        if existing:
            assert _fingerprint(db) == before
        else:
            assert not db.parent.exists()


def test_cli_import_then_holdings_from_the_db(
    ct_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    args = [
        "import",
        "cointracking",
        str(ct_dir / BALANCE_BY_EXCHANGE),
        "--allow-negative",
        "--db",
        str(db),
        "--json",
    ]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["import_id"] == 1 and summary["db"] == str(db)
    assert main(["holdings", "--db", str(db), "--json", "--by", "location"]) == 0
    from_db = json.loads(capsys.readouterr().out)
    assert (
        main(
            [
                "holdings",
                "--file",
                str(ct_dir / BALANCE_BY_EXCHANGE),
                "--allow-negative",
                "--json",
                "--by",
                "location",
            ]
        )
        == 0
    )
    from_file = json.loads(capsys.readouterr().out)
    assert from_db["rows"] == from_file["rows"] and from_db["total"] == from_file["total"]
    assert Decimal(from_db["total"]).quantize(Decimal("0.01")) == Decimal("420893.96")


async def test_price_cache_and_latest_balances(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "c.db")
    try:
        btc = Price(
            asset="BTC",
            value=Decimal("109822.47"),
            source=PriceSource.BOOK_MID,
            ts=NOW,
            detail="BTC/USD mid on kraken",
        )
        await save_prices(store, [btc, Price(asset="X", value=None, source=PriceSource.NONE)])
        assert await cached_prices(store) == {"BTC": btc}
        old = datetime(2025, 8, 27, 7, tzinfo=UTC)
        store.record_balances(
            [
                Balance(
                    location_id="sim-a:spot", asset="BTC", total=Decimal(1), free=Decimal(1), ts=old
                ),
                Balance(
                    location_id="sim-a:spot", asset="BTC", total=Decimal(2), free=Decimal(1), ts=NOW
                ),
                Balance(
                    location_id="sim-a:spot", asset="ETH", total=Decimal(0), free=Decimal(0), ts=NOW
                ),
            ]
        )
        await store.flush()
        balances = await latest_balances(store)
        assert [(b.asset, b.total, b.ts) for b in balances] == [("BTC", Decimal(2), NOW)]
    finally:
        await store.close()


async def test_live_snapshots_are_kept_apart(ct_dir: Path, tmp_path: Path) -> None:
    imported = _import(ct_dir, BALANCE_BY_EXCHANGE)
    store = await Store.open(tmp_path / "c.db")
    try:
        snaps = [snapshot(imported.holdings, ts, imported.taxonomy_version) for ts in (NOW, AS_OF)]
        for snap in snaps:
            await save_snapshot(store, snap)
        assert [s.ts for s in await snapshots(store)] == [AS_OF, NOW]
        assert [s.ts for s in await snapshots(store, since=NOW)] == [NOW]
    finally:
        await store.close()


async def test_a_v1_database_migrates_with_its_data(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    version, _, statements = MIGRATIONS[0]
    for sql in statements:
        conn.execute(sql)
    conn.execute("INSERT INTO balances VALUES (1, 'kraken:spot', 'BTC', '0.5', '0.5', 'venue')")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    store = await Store.open(db)
    try:
        assert await store.schema_version() == MIGRATIONS[-1][0] >= 2
        assert [b.total for b in await latest_balances(store)] == [Decimal("0.5")]
        assert await latest_import(store) is None
    finally:
        await store.close()
