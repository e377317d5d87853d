"""CLI parity: book, log, rearm, order list formats; every ``--json`` is one JSON document.

Stdout of a ``--json`` command must parse as exactly one document (``json.loads`` of the whole
output); prompts and progress belong on stderr.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit.cli import main
from core.models import EventKind
from core.views import KillSwitch
from tests.app.conftest import WAIT_S
from tests.daemon.test_one_writer import CONFIG, cli, daemon_on


@pytest.fixture
def common(tmp_path: Path) -> tuple[str, ...]:
    config = tmp_path / "c.yaml"
    config.write_text(CONFIG)
    return ("--config", str(config), "--db", str(tmp_path / "c.db"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Stdin:
    """A stand-in stdin for the confirmation prompts."""

    def __init__(self, text: str) -> None:
        self._io = io.StringIO(text)

    def readline(self) -> str:
        return self._io.readline()


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys, "stdin", Stdin(""))
    yield


def test_each_json_command_prints_one_parseable_document(
    common: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *common, "book", "sim-a", "BTC/USDT", "--depth", "5", "--json")
    book = json.loads(out)
    assert code == 0 and book["kind"] == "book" and book["venue"] == "sim-a"
    bids, asks = book["book"]["bids"], book["book"]["asks"]
    assert 0 < len(bids) <= 5 and 0 < len(asks) <= 5
    assert Decimal(bids[0]["price"]) < Decimal(asks[0]["price"])

    code, out, err = run(capsys, *common, "execute-plan", "--yes", "--json")
    report = json.loads(out)
    assert report["outcome"] == "done" and report["preview"]["orders"], err
    assert code == (0 if report["status"]["failed"] == 0 else 1)
    assert "progress" in err and "progress" not in out  # progress on stderr only

    code, out, _ = run(capsys, *common, "order", "list", "--all", "--json")
    listing = json.loads(out)
    assert code == 0 and listing["kind"] == "order_list" and listing["mode"] == "paper"
    plan_id = report["preview"]["plan_id"]
    assert sum(o["plan_id"] == plan_id for o in listing["orders"]) >= report["status"]["done"]

    code, out, _ = run(capsys, *common, "sessions", "--json")
    sessions = json.loads(out)
    assert code == 0 and isinstance(sessions, list) and len(sessions) == 1
    assert sessions[0]["venues"] == ["sim-a", "sim-b"] and sessions[0]["clean_exit"] is True

    code, out, _ = run(capsys, *common, "log", "--json", "-n", "7")
    events = json.loads(out)
    assert code == 0 and len(events) == 7 and events[-1]["message"] == "cockpit stopped"


def test_order_list_csv_has_one_row_per_order(
    common: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *common, "order", "place", "sim-a", "BTC/USDT", "buy", "0.01")
    assert code == 0, err
    code, out, _ = run(
        capsys, *common, "order", "place", "sim-a", "ETH/USDT", "buy", "0.1", "--price", "2250"
    )
    assert code == 0
    code, out, _ = run(capsys, *common, "order", "list", "--csv")  # working ones only
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [(r["symbol"], r["status"]) for r in rows] == [("ETH/USDT", "open")]
    code, out, _ = run(capsys, *common, "order", "list", "--all", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["symbol"] for r in rows] == ["BTC/USDT", "ETH/USDT"]
    assert rows[0]["status"] == "filled" and Decimal(rows[0]["filled_qty"]) == Decimal("0.01")


def test_execute_plan_json_without_a_yes_keeps_the_prompt_off_stdout(
    common: tuple[str, ...], capsys: pytest.CaptureFixture[str], no_terminal: None
) -> None:
    code, out, err = run(capsys, *common, "execute-plan", "--json")
    report = json.loads(out)
    assert code == 1 and report["outcome"] == "cancelled" and not report["executed"]
    assert "[yes/N]" in err and "cancelled" in err


def test_rearm_asks_unless_yes_and_releases_the_kill_switch(
    common: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, *common, "rearm")
    assert code == 0 and out.strip() == "trading is active: nothing to re-arm"

    async def engage() -> None:
        from core.access import operator_client
        from core.config import load_settings

        settings = load_settings(Path(common[1]))
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"path": Path(common[3])})}
        )
        async with operator_client(settings, client="test") as client:
            assert (await client.send(KillSwitch(engage=True, reason="drill"))).ok

    asyncio.run(engage())
    monkeypatch.setattr(sys, "stdin", Stdin("no\n"))
    code, out, err = run(capsys, *common, "rearm")
    assert code == 1 and "re-arm? [yes/N]" in err and "kill switch level 1" in err
    assert "re-armed" not in out
    monkeypatch.setattr(sys, "stdin", Stdin("yes\n"))
    code, out, err = run(capsys, *common, "rearm")
    assert code == 0 and out.strip() == "ok: kill switch re-armed", err
    code, out, _ = run(capsys, *common, "rearm", "--yes")
    assert code == 0 and out.strip() == "trading is active: nothing to re-arm"


def test_book_refuses_an_unknown_venue_or_market_in_one_line(
    common: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *common, "book", "nowhere", "BTC/USDT")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "nowhere" in err
    code, _, err = run(capsys, *common, "book", "sim-a", "NOPE/USDT")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "NOPE/USDT" in err


async def test_book_and_log_follow_come_from_the_running_daemon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with daemon_on(tmp_path) as (core, config, db):
        common = ("--config", str(config), "--db", str(db))
        code = await cli(*common, "book", "sim-a", "ETH/USDT", "--json", "--depth", "3")
        out, err = capsys.readouterr()
        book = json.loads(out)
        assert code == 0 and book["symbol"] == "ETH/USDT" and len(book["book"]["bids"]) == 3, err
        assert len(core.events) > 0

        # ``log --follow --json``: the daemon's log, then each new event, one JSON per line.
        marker = "follow-me"
        follow = asyncio.create_task(cli(*common, "log", "--follow", "--json", "-n", "0"))
        printed: list[str] = []

        async def seen() -> None:
            while not any(marker in line for line in printed):
                core.log_event(EventKind.SYSTEM, marker)  # until the follower has subscribed
                await asyncio.sleep(0.05)
                printed.extend(capsys.readouterr().out.splitlines())

        await asyncio.wait_for(seen(), WAIT_S)
    # The daemon stopped: the follower's connection ends and the command returns.
    assert await asyncio.wait_for(follow, WAIT_S) == 0
    printed.extend(capsys.readouterr().out.splitlines())
    events = [json.loads(line) for line in printed]  # JSON Lines: each line one document
    assert {e["message"] for e in events} >= {marker}


def test_holdings_of_a_database_without_an_import_are_the_stored_venue_balances(
    common: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """The $0.00 a user saw on the default database: with no import, the merged portfolio
    is the balances the cockpit stored, not an empty one."""
    code, _, err = run(capsys, *common, "order", "place", "sim-a", "BTC/USDT", "buy", "0.01")
    assert code == 0, err
    code, out, err = run(capsys, *common, "holdings", "--all", "--json")
    view = json.loads(out)
    assert code == 0 and Decimal(view["total"]) > 0
    code, out, err = run(capsys, *common, "holdings", "--by", "location", "--all", "--json")
    assert code == 0 and "sim-a:spot" in {row["key"] for row in json.loads(out)["rows"]}, err
    code, live, _ = run(capsys, *common, "holdings", "--all", "--json", "--live")
    assert json.loads(live)["total"] == view["total"]
