"""``feed verify`` on tampered recordings: unknown channels and lines without a timestamp are
reported with their file and line, and the rest of the recording is still verified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.cli import main
from core.feeds.channels import ChannelKind, classify


def _verify(capsys: pytest.CaptureFixture[str], exchange: str, *files: Path) -> dict[str, object]:
    code = main(["feed", "verify", "--exchange", exchange, *map(str, files), "--json"])
    captured = capsys.readouterr()
    assert captured.err == ""
    summary = json.loads(captured.out)
    assert code == (0 if summary["ok"] else 1)
    return summary  # type: ignore[no-any-return]


def _tampered_kraken_v1(cryptofeed_dir: Path, tmp_path: Path) -> tuple[Path, int, int]:
    """The real KRAKEN.ws.50.0 with a frame lacking its timestamp and one on a made-up
    channel inserted mid-file; returns the path and those two line numbers."""
    lines = (cryptofeed_dir / "KRAKEN.ws.50.0").read_text(encoding="utf-8").splitlines()
    at = len(lines) // 2
    ts = lines[at].partition(": ")[0]
    lines.insert(at, '{"event":"heartbeat"}')
    lines.insert(at + 1, f'{ts}: [1234,{{"a":[]}},"foo-10","XBT/USD"]')
    path = tmp_path / "KRAKEN.ws.50.0"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, at + 1, at + 2


def test_a_line_without_timestamp_and_an_unknown_channel_are_reported(
    cryptofeed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = _verify(capsys, "kraken", cryptofeed_dir / "KRAKEN.ws.50.0")
    path, no_ts, unknown = _tampered_kraken_v1(cryptofeed_dir, tmp_path)
    summary = _verify(capsys, "kraken", path)
    assert not summary["ok"]
    assert summary["problems"] == [
        f"{path}:{no_ts}: a frame without a timestamp (expected 'TS: FRAME')",
        f"1 frame(s) on unknown channel 'foo-10' (first at {path}:{unknown})",
    ]
    assert summary["unknown_channels"] == {"foo-10": 1}
    # the replay went on: every book was still applied and checked as in the clean file
    assert summary["totals"] == clean["totals"] and summary["symbols"] == clean["symbols"]


def test_jsonl_records_without_ts_and_unknown_v2_channels(
    kraken_v2_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = kraken_v2_jsonl.read_text(encoding="utf-8").splitlines()
    lines.insert(3, json.dumps({"frame": '{"channel":"heartbeat"}'}))
    lines.insert(5, json.dumps({"ts": 1690730999.5, "frame": {"channel": "bogus", "data": []}}))
    path = tmp_path / "tampered.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = _verify(capsys, "kraken", path)
    assert summary["problems"] == [
        f"{path}:4: a record without 'ts' (unix seconds)",
        f"1 frame(s) on unknown channel 'bogus' (first at {path}:6)",
    ]
    assert summary["totals"]["checksums_ok"] == 510  # every real book frame still checked


def test_binance_unknown_events_fail_and_unchecked_ones_are_counted(
    cryptofeed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    http = cryptofeed_dir / "BINANCE.http.0.0"
    summary = _verify(capsys, "binance", cryptofeed_dir / "BINANCE.ws.1.0", http)
    assert summary["ok"] and summary["unchecked_channels"] == {"kline": 2}
    lines = (cryptofeed_dir / "BINANCE.ws.1.0").read_text(encoding="utf-8").splitlines()
    ts = next(line for line in reversed(lines) if line[:1].isdigit()).partition(": ")[0]
    frame = {"stream": "nknusdt@evil", "data": {"e": "evilEvent", "s": "NKNUSDT"}}
    lines.append(f"{ts}: {json.dumps(frame)}")
    path = tmp_path / "BINANCE.ws.1.0"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = _verify(capsys, "binance", path, http)
    assert not summary["ok"]
    assert summary["problems"] == [
        f"1 frame(s) on unknown channel 'evilEvent' (first at {path}:{len(lines)})"
    ]


@pytest.mark.parametrize(
    ("exchange", "frame", "expected"),
    [
        ("kraken", '{"channel":"book","data":[]}', ("book", ChannelKind.CHECKED)),
        ("kraken", '{"channel":"ohlc","data":[]}', ("ohlc", ChannelKind.UNCHECKED)),
        ("kraken", '{"method":"subscribe","success":true}', ("method subscribe", "checked")),
        ("kraken", '[1,{"a":[]},"spread","XBT/USD"]', ("spread", ChannelKind.UNCHECKED)),
        ("kraken", '{"event":"pwn"}', ("event pwn", ChannelKind.UNKNOWN)),
        ("kraken", "42", ("(not an object)", ChannelKind.UNKNOWN)),
        ("binance", '{"e":"24hrTicker"}', ("24hrTicker", ChannelKind.UNCHECKED)),
        ("binance", '{"u":1,"s":"X","b":"1","B":"1","a":"2","A":"1"}', ("bookTicker", "checked")),
        ("binance", '{"id":1,"result":null}', ("reply", ChannelKind.CHECKED)),
        ("binance", "[1]", ("(not an object)", ChannelKind.UNKNOWN)),
        ("kraken", "not json", None),
    ],
)
def test_classify(exchange: str, frame: str, expected: tuple[str, str] | None) -> None:
    assert classify(exchange, frame) == expected
