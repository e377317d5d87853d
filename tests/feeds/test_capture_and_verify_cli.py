"""Capture readers and ``cockpit feed verify`` on real and corrupted recordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cockpit.cli import main
from core.errors import DataError
from core.feeds.capture import read_capture, read_cryptofeed, read_jsonl


def test_cryptofeed_reader_sees_every_kind(cryptofeed_dir: Path) -> None:
    recs = list(read_cryptofeed(cryptofeed_dir / "KRAKEN.ws.50.0"))
    kinds = [r.kind for r in recs]
    assert kinds[0] == "open" and kinds[1] == "sent" and recs[0].url == "wss://ws.kraken.com"
    assert kinds.count("recv") == len(recs) - 2 > 4000
    http = list(read_cryptofeed(cryptofeed_dir / "BINANCE.http.0.0"))
    assert [r.kind for r in http] == ["http"] * 4
    assert all(json.loads(r.payload)["lastUpdateId"] > 0 for r in http)
    assert all(r.ts is not None and r.ts > 1.6e9 for r in http)


def test_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.ws.0.0"
    path.write_text("wss://x <-> 1.0\n12.5: {}\nwss://x ?? 2.0\n")
    with pytest.raises(DataError, match=r"bad\.ws\.0\.0:3: unknown record marker"):
        list(read_cryptofeed(path))
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"ts": 1, "frame": "{}"}\n{"ts": "x", "frame": "{}"}\n')
    with pytest.raises(DataError, match=r"bad\.jsonl:2:ts: must be a number"):
        list(read_jsonl(jsonl))
    jsonl.write_text("{nope\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:1: not JSON"):
        list(read_capture(jsonl))


def test_jsonl_keeps_inlined_frames_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"ts": 1.5, "frame": {"qty": 4.10}}\n'
        '[1, {"a": []}, "book-10", "XBT/USD"]\n'
        '{"ts": 2, "url": "https://h/api/v3/depth?symbol=A", "body": {"lastUpdateId": 7}}\n'
        '{"ts": 3, "sent": "{\\"method\\":\\"ping\\"}"}\n'
    )
    recs = list(read_capture(path))
    assert [(r.kind, r.ts, r.payload) for r in recs] == [
        ("recv", 1.5, '{"qty": 4.10}'),
        ("recv", None, '[1, {"a": []}, "book-10", "XBT/USD"]'),
        ("http", 2.0, '{"lastUpdateId": 7}'),
        ("sent", 3.0, '{"method":"ping"}'),
    ]
    assert recs[2].url == "https://h/api/v3/depth?symbol=A" and recs[3].line == 4


def test_cli_verifies_real_captures(
    cryptofeed_dir: Path, kraken_v2_jsonl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["feed", "verify", "--exchange", "kraken", str(cryptofeed_dir / "KRAKEN.ws.50.0")])
        == 0
    )
    out = capsys.readouterr().out
    assert "failed 0" in out and "books consistent" in out and "XMR/USD" in out
    assert main(["feed", "verify", "--exchange", "kraken", str(kraken_v2_jsonl), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and summary["totals"]["checksums_ok"] == 510
    files = [str(cryptofeed_dir / "BINANCE.ws.1.0"), str(cryptofeed_dir / "BINANCE.http.0.0")]
    assert main(["feed", "verify", "--exchange", "binance", *files, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["totals"]["gaps"] == 0 and len(summary["symbols"]) == 4
    assert all(s["snapshots"] == 1 for s in summary["symbols"])


def test_cli_fails_corrupted_recordings(
    tmp_path: Path, cryptofeed_dir: Path, kraken_v2_jsonl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = kraken_v2_jsonl.read_text().splitlines()
    wrapper = json.loads(lines[50])
    frame = json.loads(wrapper["frame"])
    frame["data"][0]["checksum"] += 1
    wrapper["frame"] = json.dumps(frame)
    lines[50] = json.dumps(wrapper)
    bad = tmp_path / "bad-v2.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    assert main(["feed", "verify", "--exchange", "kraken", str(bad), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["totals"]["checksum_failures"] == 1 and summary["totals"]["resyncs"] == 1
    assert not summary["ok"] and "left unsynced" in summary["problems"][0]

    ws = (cryptofeed_dir / "BINANCE.ws.1.0").read_text().splitlines()
    victim = next(i for i, line in enumerate(ws) if "lrcbtc@depth" in line and i > 150)
    gappy = tmp_path / "BINANCE.ws.1.0"
    gappy.write_text("\n".join(ws[:victim] + ws[victim + 1 :]) + "\n")
    http = str(cryptofeed_dir / "BINANCE.http.0.0")
    assert main(["feed", "verify", "--exchange", "binance", str(gappy), http]) == 1
    out = capsys.readouterr().out
    assert "gaps 1" in out and "BOOKS NOT CONSISTENT" in out


def test_cli_reports_a_bad_line_with_its_number_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_text('{"ts": 1, "frame": "{}"}\n{"ts": 1, "frame":\n')
    assert main(["feed", "verify", "--exchange", "kraken", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"problem: {path}:2: not JSON" in captured.out
    assert "1 malformed" in captured.out and "BOOKS NOT CONSISTENT" in captured.out


def test_cli_verifies_pretty_printed_json_documents_as_shipped(
    exchange_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shared v2 capture and instrument snapshot, unconverted: every checksum verifies."""
    instruments = exchange_data / "kraken-data-recorder" / "instrument_snapshot.json"
    book = exchange_data / "python-kraken-sdk" / "orderbook-v2.json"
    fixture = json.loads(book.read_text())
    assert (
        main(["feed", "verify", "--exchange", "kraken", "--json", str(instruments), str(book)]) == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["frames"] == 2 + len(fixture["updates"])  # instrument, snapshot, updates
    totals = summary["totals"]
    assert totals["checksums_ok"] == len(fixture["updates"]) + 1
    assert totals["checksum_failures"] == 0 and totals["gaps"] == 0 and summary["ok"] is True


def test_a_broken_json_document_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "book.json"
    path.write_text('{\n  "init": {"channel": "book"},\n  "updates": [\n    {"a": 1,}\n  ]\n}\n')
    with pytest.raises(DataError, match=r"book\.json:4: not JSON"):
        list(read_capture(path))
    path.write_text('[\n  {"channel": "book"},\n  7\n]\n')
    with pytest.raises(DataError, match="frame 2 is not a JSON object or array"):
        list(read_capture(path))
