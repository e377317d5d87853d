"""Imports against a database a core holds go through that core (issue 11, one writer).

A daemon runs in process on a database (holding its lock, serving its socket); the real CLI's
``cockpit import cointracking`` and ``import prices`` are sent to it, it parses and commits
them, and its next published state carries the imported holdings. A bad file sent over the
socket fails with its ``file:line:column`` and writes nothing; an observer may not import;
a database a socketless command holds is "busy", never written beside it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from core.daemon.lock import InstanceLock, lock_path
from core.daemon.protocol import Role
from core.daemon.remote import RemoteCore
from core.service import Core
from core.views import CockpitState, Command, CommandResult, ImportHoldings, ImportPrices
from tests.app.conftest import WAIT_S
from tests.daemon.test_one_writer import cli, daemon_on
from tests.portfolio.ctfiles import BALANCE_BY_EXCHANGE, COINS_BY_EXCHANGE
from tests.portfolio.prices import write_wide_prices

IMPORT_TABLES = ("holdings_imports", "imported_holdings")


def import_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """The rows an import or a price import writes (the daemon writes other tables as it
    runs: its journal, trades, balances)."""
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        out = {t: sorted(conn.execute(f"SELECT * FROM {t}")) for t in IMPORT_TABLES}
        out["import_closes"] = sorted(
            conn.execute("SELECT * FROM daily_closes WHERE source = 'import'")
        )
        out["import_snapshots"] = sorted(
            conn.execute("SELECT * FROM portfolio_snapshots WHERE source = 'import'")
        )
    return out


async def published(core: Core) -> CockpitState:
    """The next state the core publishes after now."""
    seen = asyncio.Event()
    states: list[CockpitState] = []

    def listener(state: CockpitState) -> None:
        states.append(state)
        seen.set()

    core.add_listener(listener)
    states.clear()
    seen.clear()
    try:
        await asyncio.wait_for(seen.wait(), WAIT_S)
    finally:
        core.remove_listener(listener)
    return states[-1]


async def send_as(sock: Path, role: Role, *commands: Command) -> list[CommandResult]:
    """Each command's result, sent in order by one client of ``role``."""
    client = RemoteCore(sock, role=role, client="test")
    await client.start()
    try:
        return [await client.send(command) for command in commands]
    finally:
        await client.stop()


async def test_an_import_goes_through_the_daemon_and_its_holdings_are_published(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = shared_data / "cointracking" / BALANCE_BY_EXCHANGE
    prices = write_wide_prices(shared_data, tmp_path / "prices.csv")
    async with daemon_on(tmp_path) as (core, config, db):
        common = ("--config", str(config), "--db", str(db))
        state = await published(core)
        assert state.holdings is not None
        assert not any(r.imported for r in state.holdings.rows)
        assert "import" not in core.analytics.close_sources.values()

        # An attached client (as a TUI is) sees the import without reconnecting.
        attached = RemoteCore(tmp_path / "d.sock", role=Role.OBSERVER, client="tui")
        await attached.start()
        try:
            code = await cli("import", "cointracking", str(export), "--allow-negative", *common)
            out, err = capsys.readouterr()
            assert code == 0, err
            assert out.strip().endswith(f"saved as import 1 in {db}")

            async def imported_rows() -> int:
                async for seen in attached.updates(60):
                    if seen.holdings is not None and any(r.imported for r in seen.holdings.rows):
                        return len(seen.holdings.rows)
                raise AssertionError("the connection closed")

            assert await asyncio.wait_for(imported_rows(), WAIT_S) > 200
        finally:
            await attached.stop()
        # Committed by the daemon, and its very next state shows the imported rows.
        state = await published(core)
        assert state.holdings is not None
        imported = [r for r in state.holdings.rows if r.imported]
        with sqlite3.connect(db) as conn:
            stored = conn.execute("SELECT COUNT(*) FROM imported_holdings").fetchone()[0]
        assert stored > 200 and {(r.asset, r.location_id) for r in imported}
        assert "operator command import_cointracking" in " ".join(e.message for e in state.events)

        code = await cli("import", "prices", str(prices), *common)
        out, err = capsys.readouterr()
        assert code == 0 and "daily closes for" in out, err
        # Reloaded in the daemon: assets the simulator has no history of take the file's.
        assert "import" in core.analytics.close_sources.values()
        with sqlite3.connect(db) as conn:
            closes = conn.execute(
                "SELECT COUNT(*) FROM daily_closes WHERE source = 'import'"
            ).fetchone()[0]
        assert closes > 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1  # no 2nd core


async def test_a_bad_file_over_the_socket_writes_nothing_and_names_the_line(
    tmp_path: Path, shared_data: Path
) -> None:
    data = (shared_data / "cointracking" / COINS_BY_EXCHANGE).read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(data.replace(b'"16.81404761"', b'"16.81.404761"', 1))
    line = data[: data.index(b'"16.81404761"')].count(b"\n") + 1
    bad_prices = tmp_path / "p.csv"
    bad_prices.write_text("date,BTC,ETH\n2024-01-01,42000,2300\n2024-01-02,4x,2350\n")
    async with daemon_on(tmp_path) as (_core, _config, db):
        before = import_rows(db)
        result, prices, missing = await send_as(
            tmp_path / "d.sock",
            Role.OPERATOR,
            ImportHoldings(files=(str(bad),), allow_negative=True),
            ImportPrices(file=str(bad_prices)),
            ImportPrices(file=str(tmp_path / "none.csv")),
        )
        assert not result.ok and result.title == "Bad input"
        assert result.message == f"{bad}:{line}:1: bad number '16.81.404761' in column 'Amount'"
        assert not prices.ok and prices.message.startswith(f"{bad_prices}:3:")
        assert not missing.ok and str(tmp_path / "none.csv") in missing.message
        assert import_rows(db) == before


async def test_the_cli_prints_the_daemons_refusal_of_a_bad_file(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text('"Exchange","Amount"\n"x","1"\n')
    async with daemon_on(tmp_path) as (_core, config, db):
        before = import_rows(db)
        code = await cli(
            "import", "cointracking", str(bad), "--config", str(config), "--db", str(db)
        )
        err = capsys.readouterr().err
        assert code == 1
        assert err.startswith(f"cockpit: bad input: {bad}") and err.count("\n") == 1
        assert import_rows(db) == before


async def test_an_observer_may_not_import(tmp_path: Path, shared_data: Path) -> None:
    export = shared_data / "cointracking" / BALANCE_BY_EXCHANGE
    async with daemon_on(tmp_path) as (_core, _config, db):
        before = import_rows(db)
        result, prices = await send_as(
            tmp_path / "d.sock",
            Role.OBSERVER,
            ImportHoldings(files=(str(export),), allow_negative=True),
            ImportPrices(file=str(export)),
        )
        assert not result.ok and "import_cointracking needs the operator role" in result.message
        assert not prices.ok and "import_prices needs the operator role" in prices.message
        assert import_rows(db) == before


def test_an_import_beside_a_commands_own_core_is_refused_as_busy(
    tmp_path: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cockpit.cli import main

    export = shared_data / "cointracking" / BALANCE_BY_EXCHANGE
    db = tmp_path / "c.db"
    with InstanceLock(lock_path(db)):  # a command's own core: it serves no socket
        code = main(["import", "cointracking", str(export), "--allow-negative", "--db", str(db)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "is writing" in err[0]
    assert not db.exists()
    # Free again: the command takes the lock itself and writes.
    assert main(["import", "cointracking", str(export), "--allow-negative", "--db", str(db)]) == 0
    assert "saved as import 1" in capsys.readouterr().out
    assert import_rows(db)["imported_holdings"]
