"""``cockpit attribution``: the file form (JSON keys, CSV, one-line errors) and the database form
(the recorded portfolio by group against the targets, by month)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from cockpit.cli import main
from tests.risk.conftest import read_ftx
from tests.risk.test_cli_db import FILES, HELD, db

__all__ = ["db"]  # the fixture, shared with `cockpit risk --db`'s tests

HEADER = "period,segment,portfolio_weight,portfolio_return,benchmark_weight,benchmark_return\n"
BODY = (
    "2024-01,A,0.6,0.10,0.5,0.08\n2024-01,B,0.4,0.02,0.5,0.04\n"
    "2024-02,A,0.5,-0.05,0.5,-0.05\n2024-02,B,0.5,0.03,0.5,0.01\n"
)


@pytest.fixture
def segments(tmp_path: Path) -> Path:
    path = tmp_path / "segments.csv"
    path.write_text(HEADER + BODY)
    return path


@pytest.mark.parametrize("method", ["carino", "menchero"])
def test_json_keys_and_sums(
    segments: Path, method: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["attribution", "--segments", str(segments), "--link", method, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"periods", "linked"}
    first = doc["periods"][0]
    assert set(first) == {"period", "portfolio_return", "benchmark_return", "segments"}
    assert set(first["segments"][0]) == {"segment", "allocation", "selection", "interaction"}
    assert set(doc["linked"]) == {"method", "segments", "total"}
    assert doc["linked"]["method"] == method
    effects = [s[k] for s in doc["linked"]["segments"] for k in ("allocation", "selection")]
    effects += [s["interaction"] for s in doc["linked"]["segments"]]
    assert abs(math.fsum(effects) - 0.01852) < 1e-12  # 1.068 * 0.99 - 1.06 * 0.98, by hand


def test_csv_and_text(segments: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["attribution", "--segments", str(segments), "--csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "period,segment,allocation,selection,interaction,total"
    assert rows[1].startswith("2024-01,A,0.002,")
    assert [r.split(",")[0] for r in rows[5:]] == ["linked:carino", "linked:carino"]
    assert main(["attribution", "--segments", str(segments)]) == 0
    text = capsys.readouterr().out
    assert "active +1.8520%" in text and "linked by carino" in text


def test_bad_file_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "2024-01,A,0.6,0.1,0.5,zero\n2024-01,B,0.4,0,0.5,0\n")
    assert main(["attribution", "--segments", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0
    assert f"{path}:2:benchmark_return: not a number: 'zero'" in captured.err


def test_database_by_group_against_targets(
    db: Path, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["attribution", "--db", str(db), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    periods = doc["periods"]
    assert len(periods) > 3 and all(len(p["period"]) == 7 for p in periods)  # YYYY-MM
    for p in periods:
        effects = [s[k] for s in p["segments"] for k in ("allocation", "selection", "interaction")]
        assert abs(math.fsum(effects) - (p["portfolio_return"] - p["benchmark_return"])) < 1e-12
    total = doc["linked"]["total"]
    linked = total["allocation"] + total["selection"] + total["interaction"]
    assert abs(linked - total["active"]) < 1e-12
    # Independently: today's holdings carried back over the newest 730 days of closes are a
    # buy-and-hold, so the compounded portfolio return is the value at the last day over the
    # first (a close missing on a day is the one before it).
    closes = {a: dict(read_ftx(shared_data, f)) for a, f in FILES.items()}
    days = sorted(set().union(*closes.values()))[-730:]

    def close_on(asset: str, day: int) -> float:
        known = [d for d in closes[asset] if d <= day] or [min(closes[asset])]
        return closes[asset][max(known)]

    start = sum(float(HELD[a]) * close_on(a, days[0]) for a in FILES) + float(HELD["USD"])
    end = sum(float(HELD[a]) * close_on(a, days[-1]) for a in FILES) + float(HELD["USD"])
    assert total["portfolio_return"] == pytest.approx(end / start - 1, rel=1e-9)
