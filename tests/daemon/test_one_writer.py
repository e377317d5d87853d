"""One writer per database: read-only commands write nothing; writes go through its holder.

A database is populated once by the real CLI (an import, a headless ``execute-plan`` on the
sim, so sessions, daily closes, orders, fills, audit rows, plans and a journal all exist).
Every read-only command then runs on a copy and must leave every table exactly as it was.
With a daemon holding a database, CLI writes are sent to it over its socket (no second core,
no second session) and its kill switch still works afterwards.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.access import operator_client, reader_client
from core.bootstrap import build_core
from core.config import Settings
from core.daemon.lock import AlreadyRunning, InstanceLock, database_owner, lock_path
from core.daemon.protocol import Role
from core.daemon.remote import DaemonUnavailable, RemoteCore
from core.daemon.runner import Daemon
from core.execution.anchor import anchor_path, key_path
from core.execution.safety import KillLevel
from core.service import Core
from core.views import KillSwitch
from tests.app.conftest import WAIT_S
from tests.conftest import SHARED_DATA
from tests.portfolio.ctfiles import BALANCE_BY_EXCHANGE

CONFIG = """\
sim:
  history_days: 60
  seed: 7
execution:
  paper:
    latency_ms: 0
    jitter_ms: 0
"""


def dump(db: Path) -> dict[str, object]:
    """Every table's full contents (rows sorted) and the schema version, read-only."""
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out: dict[str, object] = {
            name: sorted(map(repr, conn.execute(f'SELECT * FROM "{name}"'))) for name in tables
        }
        out["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
    return out


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(config, database) after an import and a headless plan run; copied per test."""
    base = tmp_path_factory.mktemp("populated")
    config = base / "c.yaml"
    config.write_text(CONFIG)
    db = base / "c.db"
    common = ["--config", str(config), "--db", str(db)]
    export = SHARED_DATA / "cointracking" / BALANCE_BY_EXCHANGE
    if export.is_file():
        assert main(["import", "cointracking", str(export), "--allow-negative", *common]) == 0
    # The order first: the plan run below may leave the account's cash in resting buys.
    assert main(["order", "place", "sim-a", "BTC/USDT", "buy", "0.01", *common]) == 0
    # Every plan order is placed: its buys are sized from the cash the account has free.
    assert main(["execute-plan", "--yes", *common]) == 0
    yield config, db


@pytest.fixture
def copy(populated: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    config, db = populated
    target = tmp_path / "c.db"
    shutil.copy(db, target)
    # The audit trail's anchor and key travel with the database (a copy without them is a
    # trail whose anchor is gone: `audit verify` says so).
    shutil.copy(anchor_path(db), anchor_path(target))
    shutil.copy(key_path(db), key_path(target))
    return config, target


READ_ONLY: list[tuple[str, ...]] = [
    ("order", "list"),
    ("order", "list", "--all", "--json"),
    ("order", "list", "--all", "--csv"),
    ("holdings",),
    ("holdings", "--live", "--by", "asset", "--all", "--json"),
    ("risk", "--json"),
    ("plan",),
    ("plan", "--show", "latest", "--json"),
    ("plan", "--build", "--json"),
    ("sessions", "--json"),
    ("log", "--json"),
    ("log", "-n", "5"),
    ("audit", "verify"),
    ("audit", "export", "--csv"),
    ("book", "sim-a", "BTC/USDT", "--json"),
]


@pytest.mark.parametrize("argv", READ_ONLY, ids=" ".join)
def test_read_only_commands_leave_every_table_unchanged(
    copy: tuple[Path, Path], argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    config, db = copy
    before = dump(db)
    assert before["sessions"] and before["daily_closes"] and before["orders"]
    code = main(["--config", str(config), "--db", str(db), *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip()
    assert dump(db) == before
    assert database_owner(lock_path(db)) is None  # nothing holds it afterwards either


def test_a_read_only_command_never_creates_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "missing.db"
    assert main(["order", "list", "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such database" in err[0]
    assert not db.exists()


async def test_a_headless_write_holds_the_lock_while_it_runs(tmp_path: Path) -> None:
    settings = Settings.model_validate({"store": {"path": str(tmp_path / "c.db")}})
    lock = lock_path(settings.db_path())
    async with operator_client(settings, client="test") as client:
        assert client.latest() is not None
        owner = database_owner(lock)
        assert owner is not None and owner.socket is None
        with pytest.raises(AlreadyRunning):
            InstanceLock(lock).acquire()  # a daemon could not start beside it
        # A second writing command is told the database is busy; a reader reads beside it.
        with pytest.raises(DaemonUnavailable, match=r"another cockpit command .* is writing"):
            async with operator_client(settings, client="second"):
                pass
        async with reader_client(settings, client="reader") as remote:
            assert remote is None
    assert database_owner(lock) is None


@asynccontextmanager
async def daemon_on(tmp_path: Path) -> AsyncIterator[tuple[Core, Path, Path]]:
    """A daemon in process on ``tmp_path/c.db`` holding its lock; yields (core, config, db)."""
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG)
    db = tmp_path / "c.db"
    socket = tmp_path / "d.sock"
    base = Settings.model_validate({**_yaml(CONFIG), "store": {"path": str(db)}})
    settings = base.model_copy(update={"daemon": base.daemon.model_copy(update={"socket": socket})})
    with InstanceLock(lock_path(db), socket=socket):
        core = build_core(settings)
        daemon = Daemon(settings, None, core)
        run = asyncio.create_task(daemon.run())
        try:
            await asyncio.wait_for(_serving(daemon, run), WAIT_S)
            yield core, config, db
        finally:
            daemon.request_stop("test over")
            await asyncio.wait_for(run, WAIT_S)


def _yaml(text: str) -> dict[str, object]:
    import yaml

    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


async def _serving(daemon: Daemon, run: asyncio.Task[int]) -> None:
    """Until the daemon's socket listens (or the daemon failed: its error is raised)."""
    while daemon.server.path is None:
        if run.done():
            run.result()
        await asyncio.sleep(0.02)


async def cli(*argv: str) -> int:
    """The real CLI in a thread (it runs its own event loop), as a separate command would."""
    return await asyncio.to_thread(main, list(argv))


async def test_cli_writes_go_through_the_daemon_and_its_kill_switch_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with daemon_on(tmp_path) as (core, config, db):
        common = ("--config", str(config), "--db", str(db))
        code = await cli(
            *common, "order", "place", "sim-a", "BTC/USDT", "buy", "0.01", "--id", "via-daemon"
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        assert out.strip() == "ok: via-daemon filled"
        assert core.execution is not None and core.execution.manager is not None
        assert "via-daemon" in core.execution.manager.orders  # the daemon placed it

        code = await cli(*common, "execute-plan", "--yes", "--json", "--verbose")
        out, err = capsys.readouterr()
        report = json.loads(out)  # exactly one JSON document on stdout
        assert "event order_submitted" in err  # --verbose: the daemon's events, on stderr
        status = report["status"]
        assert report["outcome"] == "done", err
        assert status["done"] + status["failed"] == status["total"] > 0
        # (an order the paper venue refuses fails the run: exit 1, which the plan decides)
        assert code == (0 if status["failed"] == 0 else 1)
        plan_id = report["preview"]["plan_id"]
        assert plan_id in core.execution.plan_runs  # the daemon ran it

        code = await cli(*common, "order", "list", "--all", "--json")
        out, _ = capsys.readouterr()
        listed = json.loads(out)
        ids = {o["client_order_id"] for o in listed["orders"]}
        assert code == 0 and "via-daemon" in ids
        assert any(o["plan_id"] == plan_id for o in listed["orders"])

        code = await cli(*common, "holdings", "--all", "--json")
        out, _ = capsys.readouterr()
        state = core.state
        assert code == 0 and state is not None and state.holdings is not None
        assert Decimal(json.loads(out)["total"]) == pytest.approx(state.holdings.total)

        # The daemon's kill switch works after the CLI's writes (the audit chain is intact).
        client = RemoteCore(tmp_path / "d.sock", role=Role.OPERATOR, client="test")
        await client.start()
        try:
            result = await client.send(KillSwitch(engage=True, reason="test"))
        finally:
            await client.stop()
        assert result.ok, result.message
        assert core.execution.kill.level >= KillLevel.PAUSED
        assert await cli(*common, "audit", "verify") == 0
        capsys.readouterr()
    with sqlite3.connect(db) as conn:
        sessions = conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        audit_ids = [r[0] for r in conn.execute("SELECT id FROM audit ORDER BY id")]
    assert sessions == 1  # only the daemon's: no command started a core beside it
    assert audit_ids == list(range(audit_ids[0], audit_ids[0] + len(audit_ids)))


async def test_cli_commands_reach_a_running_tuis_own_core(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plain ``cockpit`` TUI's core (a child on a private socket) is found through the lock
    file: a CLI order goes to it, and a listing reads it, while it runs."""
    from core.daemon.embedded import EmbeddedCore

    config = tmp_path / "c.yaml"
    config.write_text(CONFIG)
    db = tmp_path / "c.db"
    common = ("--config", str(config), "--db", str(db))
    tui_core = EmbeddedCore(["--config", str(config), "--db", str(db)], max_hz=10)
    await tui_core.start()
    try:
        owner = database_owner(lock_path(db))
        assert owner is not None and owner.socket == tui_core.path.resolve()
        code = await cli(
            *common, "order", "place", "sim-a", "BTC/USDT", "buy", "0.01", "--id", "x1"
        )
        out, err = capsys.readouterr()
        assert code == 0 and out.strip() == "ok: x1 filled", err
        code = await cli(*common, "order", "list", "--all", "--json")
        out, _ = capsys.readouterr()
        assert code == 0 and [o["client_order_id"] for o in json.loads(out)["orders"]] == ["x1"]

        # The log is the core's latest published state, which follows the order within one
        # publish interval: ask until the order's events are in it.
        async def order_in_log() -> list[str]:
            while True:
                code = await cli(*common, "log", "--json", "-n", "500")
                out, _ = capsys.readouterr()
                assert code == 0
                messages = [e["message"] for e in json.loads(out)]
                if any("x1" in m or "0.01 BTC/USDT" in m for m in messages):
                    return messages
                await asyncio.sleep(0.1)

        assert await asyncio.wait_for(order_in_log(), WAIT_S)
    finally:
        await tui_core.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
