"""Replay a recording through the book builders and say whether the books stayed consistent.

This is the engine of ``cockpit feed verify``: no I/O beyond reading the files, no clock. Kraken
recordings may mix v1 and v2 frames (each frame goes to the matching handler); Binance
recordings need the REST depth snapshots (``*.http.*`` files, or ``url``/``body`` lines in JSON
Lines) to bridge each symbol's diff stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from core.errors import DataError
from core.feeds.binance import BinanceHandler
from core.feeds.capture import Record, read_all
from core.feeds.channels import ChannelKind, classify
from core.feeds.events import BookStats, Malformed, SymbolBook, SyncState
from core.feeds.kraken_v1 import KrakenV1Handler
from core.feeds.kraken_v2 import KrakenV2Handler

Exchange = Literal["kraken", "binance"]
MAX_PROBLEMS = 20


@dataclass(slots=True)
class SymbolReport:
    symbol: str
    state: str
    stats: BookStats

    def as_dict(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "state": self.state, **self.stats.as_dict()}


@dataclass(slots=True)
class VerifyReport:
    """What a replay found; :attr:`ok` is the verdict ``cockpit feed verify`` exits on."""

    exchange: str
    files: list[str]
    frames: int = 0
    sent: int = 0
    http: int = 0
    malformed: int = 0
    totals: BookStats = field(default_factory=BookStats)
    symbols: list[SymbolReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unchecked: dict[str, int] = field(default_factory=dict)
    """Frames per real channel that verify does not check (see :mod:`core.feeds.channels`)."""
    unknown: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Frames per channel the venue does not publish, with the first one's file:line."""

    @property
    def ok(self) -> bool:
        return not self.problems and self.totals.failures == 0 and self.malformed == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "files": self.files,
            "ok": self.ok,
            "frames": self.frames,
            "sent": self.sent,
            "http": self.http,
            "malformed": self.malformed,
            "totals": self.totals.as_dict(),
            "symbols": [s.as_dict() for s in self.symbols],
            "unchecked_channels": self.unchecked,
            "unknown_channels": {k: n for k, (n, _) in self.unknown.items()},
            "problems": self.problems,
        }

    def render(self) -> str:
        t = self.totals
        lines = [
            f"{self.exchange}: {len(self.files)} file(s), {self.frames} frames received, "
            f"{self.http} REST snapshots, {self.malformed} malformed",
            f"book updates applied {t.updates} (snapshots {t.snapshots}), "
            f"checksums verified {t.checksums_ok} failed {t.checksum_failures}, "
            f"gaps {t.gaps}, resyncs {t.resyncs}, crossed books {t.crossed}, "
            f"bookTicker checks {t.ticker_checks} mismatched {t.ticker_mismatches}",
            f"{'symbol':<12} {'state':<9} {'updates':>8} {'cksum ok':>9} {'failed':>7} "
            f"{'gaps':>5} {'resyncs':>8} {'crossed':>8} {'stale ev':>9}",
        ]
        for s in self.symbols:
            st = s.stats
            lines.append(
                f"{s.symbol:<12} {s.state:<9} {st.updates:>8} {st.checksums_ok:>9} "
                f"{st.checksum_failures:>7} {st.gaps:>5} {st.resyncs:>8} {st.crossed:>8} "
                f"{st.stale_events:>9}"
            )
        if self.unchecked:
            counts = ", ".join(f"{k} {n}" for k, n in sorted(self.unchecked.items()))
            lines.append(f"frames on channels not checked: {counts}")
        lines.extend(f"problem: {p}" for p in self.problems)
        lines.append("books consistent" if self.ok else "BOOKS NOT CONSISTENT")
        return "\n".join(lines)


class _Replayer:
    def __init__(self, exchange: Exchange, report: VerifyReport, kraken_depth: int | None):
        self.exchange = exchange
        self.report = report
        self.v1 = KrakenV1Handler()
        self.v2 = KrakenV2Handler(depth=kraken_depth)
        self.binance = BinanceHandler()

    def feed(self, record: Record) -> None:
        report = self.report
        if record.kind == "sent":
            report.sent += 1
            return
        if record.kind == "open":
            return
        if record.kind == "http":
            report.http += 1
            if self.exchange == "binance":
                self._snapshot(record)
            return
        report.frames += 1
        self._channel(record)
        if self.exchange == "binance":
            events = self.binance.on_message(record.payload)
        elif _is_v1(record.payload):
            events = self.v1.on_message(record.payload)
        else:
            events = self.v2.on_message(record.payload)
        for event in events:
            if isinstance(event, Malformed):
                self._problem(record, event.reason, malformed=not event.reason.startswith("book "))

    def _channel(self, record: Record) -> None:
        found = classify(self.exchange, record.payload)
        if found is None:
            return
        name, kind = found
        if kind is ChannelKind.UNCHECKED:
            self.report.unchecked[name] = self.report.unchecked.get(name, 0) + 1
        elif kind is ChannelKind.UNKNOWN:
            count, first = self.report.unknown.get(name, (0, f"{record.path}:{record.line}"))
            if count == 0 and len(self.report.unknown) >= MAX_PROBLEMS:
                name = "(other)"
                count, first = self.report.unknown.get(name, (0, first))
            self.report.unknown[name] = (count + 1, first)

    def bad_line(self, error: DataError) -> None:
        """A line the capture reader could not read: a problem, and the replay goes on."""
        self.report.malformed += 1
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(str(error))

    def _snapshot(self, record: Record) -> None:
        url = record.url or ""
        parts = urlsplit(url)
        if not parts.path.endswith("/depth"):
            return
        symbol = parse_qs(parts.query).get("symbol", [""])[0]
        if not symbol:
            self._problem(record, f"depth snapshot URL without a symbol: {url}", malformed=True)
            return
        for event in self.binance.on_snapshot(symbol, record.payload):
            if isinstance(event, Malformed):
                self._problem(record, event.reason, malformed=True)

    def _problem(self, record: Record, reason: str, *, malformed: bool) -> None:
        report = self.report
        if malformed:
            report.malformed += 1
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(f"{record.path}:{record.line}: {reason}")

    def finish(self) -> None:
        report = self.report
        books: dict[str, SymbolBook] = {}
        if self.exchange == "binance":
            books.update(self.binance.books)
        else:
            books.update(self.v1.books)
            books.update(self.v2.books)
        for name, (count, first) in self.report.unknown.items():
            report.problems.append(
                f"{count} frame(s) on unknown channel {name!r} (first at {first})"
            )
        for symbol in sorted(books):
            sb = books[symbol]
            report.totals.add(sb.stats)
            report.symbols.append(SymbolReport(symbol, sb.state.value, sb.stats))
            if sb.stats.snapshots == 0:
                report.problems.append(f"{symbol}: book never synced (no usable snapshot)")
            elif sb.state is not SyncState.LIVE:
                report.problems.append(f"{symbol}: book left unsynced ({sb.last_reason})")


def _is_v1(payload: str) -> bool:
    head = payload.lstrip()[:1]
    if head == "[":
        return True
    return '"event"' in payload and '"channel"' not in payload


def verify_files(
    exchange: Exchange, paths: Iterable[Path], *, kraken_depth: int | None = None
) -> VerifyReport:
    """Replay ``paths`` (merged by receive time) and report on every book.

    For Binance, a ``*.ws.*`` capture given without any ``*.http.*`` file picks up the
    ``EXCHANGE.http.*`` files beside it, since the snapshots are part of the recording.
    """
    files = [Path(p) for p in paths]
    if exchange == "binance":
        files = _with_snapshots(files)
    report = VerifyReport(exchange, [str(p) for p in files])
    replayer = _Replayer(exchange, report, kraken_depth)
    for record in read_all(files, on_bad=replayer.bad_line):
        replayer.feed(record)
    replayer.finish()
    return report


def _with_snapshots(files: list[Path]) -> list[Path]:
    if any(".http." in p.name for p in files):
        return files
    extra: list[Path] = []
    for p in files:
        if ".ws." in p.name:
            prefix = p.name.split(".ws.")[0]
            extra.extend(sorted(p.parent.glob(f"{prefix}.http.*")))
    return files + [p for p in dict.fromkeys(extra) if p not in files]
