"""Readers for recorded feeds: cryptofeed's raw-capture text and our JSON Lines framing.

Both yield :class:`Record` values in file order. A malformed line raises
:class:`~core.errors.DataError` naming the file and line, or, when the caller passes
``on_bad`` (``feed verify`` does), is handed to it and skipped, so one bad line does not hide
the rest of the recording.

cryptofeed text (``*.ws.N.0`` / ``*.http.N.0`` / ``EXCHANGE.0``)::

    URL <-> TS              connection opened
    URL <- TS: FRAME        frame sent by the client
    TS: FRAME               frame received, exactly as it came off the wire
    URL -> TS: BODY         one REST response body
    configuration: {...}    the recorder's feed configuration (ignored)

A file holding one JSON document (a frame, a list of frames, or ``{"init", "updates"}``)
is read as those frames, in order.

JSON Lines, one record per line::

    FRAME                                   a bare received frame (a JSON object or array)
    {"ts": UNIX_SECONDS, "frame": FRAME}    a received frame with its receive time; FRAME is
                                            the text as received (a JSON string) or inlined
    {"ts": UNIX_SECONDS, "url": URL, "body": BODY}
                                            a REST response (Binance depth snapshots)
    {"ts": UNIX_SECONDS, "sent": FRAME}     a frame the client sent (ignored on replay)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Literal

import orjson

from core.errors import DataError

RecordKind = Literal["open", "sent", "recv", "http"]


@dataclass(frozen=True, slots=True)
class Record:
    """One line of a recording: what happened, when, and where it came from."""

    kind: RecordKind
    ts: float | None
    payload: str
    """The frame or REST body as text (empty for ``open``)."""
    url: str | None
    path: str
    line: int


OnBad = Callable[[DataError], None]


def read_capture(path: Path, on_bad: OnBad | None = None) -> Iterator[Record]:
    """Records of one file, choosing the reader by content.

    JSON Lines, cryptofeed text, or one (pretty-printed) JSON document: a frame, a list of
    frames, or a fixture object ``{"init": FRAME, "updates": [FRAME, ...]}`` such as
    python-kraken-sdk's ``orderbook-v2.json`` or a saved ``instrument`` snapshot.
    """
    with path.open(encoding="utf-8") as fh:
        first = ""
        for first in fh:
            if first.strip():
                break
    if first.lstrip()[:1] not in ("{", "["):
        return read_cryptofeed(path, on_bad)
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return read_json_document(path)
    return read_jsonl(path, on_bad)


def read_json_document(path: Path) -> Iterator[Record]:
    """Frames of a file holding one JSON document (see :func:`read_capture`).

    Frames are re-serialised compactly: such files were decoded and re-encoded by whoever
    wrote them, so the wire spelling of numbers is already gone; values are intact.
    """
    name = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"not JSON: {exc.msg}", path=name, line=exc.lineno) from None
    if isinstance(doc, dict) and set(doc) == {"init", "updates"}:
        if not isinstance(doc["updates"], list):
            raise DataError("must be a list of frames", path=name, column="updates")
        frames = [doc["init"], *doc["updates"]]
    elif isinstance(doc, list):
        frames = doc
    else:
        frames = [doc]
    for number, frame in enumerate(frames, 1):
        if not isinstance(frame, dict | list):
            raise DataError(f"frame {number} is not a JSON object or array", path=name)
        yield Record("recv", None, json.dumps(frame, separators=(",", ":")), None, name, number)


def read_cryptofeed(path: Path, on_bad: OnBad | None = None) -> Iterator[Record]:
    """Records of one cryptofeed raw-capture text file."""
    name = str(path)
    with path.open(encoding="utf-8") as fh:
        for number, text in enumerate(fh, 1):
            line = text.rstrip("\r\n")
            if not line.strip() or line.startswith("configuration: "):
                continue
            try:
                yield _cryptofeed_line(line, name, number)
            except DataError as exc:
                if on_bad is None:
                    raise
                on_bad(exc)


def _cryptofeed_line(line: str, name: str, number: int) -> Record:
    def bad(message: str) -> DataError:
        return DataError(message, path=name, line=number)

    if line[0].isdigit():
        ts_text, sep, payload = line.partition(": ")
        if not sep:
            raise bad("expected 'TS: FRAME'")
        return Record("recv", _ts(ts_text, bad), payload, None, name, number)
    if line.lstrip()[:1] in ("{", "[", ":"):
        raise bad("a frame without a timestamp (expected 'TS: FRAME')")
    url, _, rest = line.partition(" ")
    arrow, _, rest = rest.partition(" ")
    if arrow == "<->":
        return Record("open", _ts(rest, bad), "", url, name, number)
    if arrow not in ("<-", "->"):
        raise bad(f"unknown record marker {arrow!r} (expected '<->', '<-' or '->')")
    ts_text, sep, payload = rest.partition(": ")
    if not sep:
        raise bad(f"expected 'URL {arrow} TS: BODY'")
    kind: RecordKind = "sent" if arrow == "<-" else "http"
    return Record(kind, _ts(ts_text, bad), payload, url, name, number)


def _ts(text: str, bad: Callable[[str], DataError]) -> float:
    try:
        return float(text)
    except ValueError:
        raise bad(f"timestamp {text.strip()!r} is not a number") from None


def read_jsonl(path: Path, on_bad: OnBad | None = None) -> Iterator[Record]:
    """Records of one JSON Lines recording (see the module docstring for the framing)."""
    name = str(path)
    with path.open(encoding="utf-8") as fh:
        for number, text in enumerate(fh, 1):
            line = text.strip()
            if not line:
                continue
            try:
                yield _jsonl_line(line, name, number)
            except DataError as exc:
                if on_bad is None:
                    raise
                on_bad(exc)


_WRAPPERS = ({"ts", "frame"}, {"ts", "url", "body"}, {"ts", "sent"})
_WRAPPER_KEYS = {"frame", "body", "sent"}


def _jsonl_line(line: str, name: str, number: int) -> Record:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise DataError(f"not JSON: {exc}", path=name, line=number) from None
    if isinstance(obj, dict) and obj.keys() & _WRAPPER_KEYS and set(obj) not in _WRAPPERS:
        if "ts" not in obj:
            raise DataError("a record without 'ts' (unix seconds)", path=name, line=number)
        extra = sorted(set(obj) - set().union(*_WRAPPERS))[:3]
        raise DataError(f"a record with unexpected keys {extra}", path=name, line=number)
    if not isinstance(obj, dict) or set(obj) not in _WRAPPERS:
        if not isinstance(obj, dict | list):
            raise DataError("a frame must be a JSON object or array", path=name, line=number)
        return Record("recv", None, line, None, name, number)
    ts = obj["ts"]
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        raise DataError("must be a number (unix seconds)", path=name, line=number, column="ts")
    if "frame" in obj:
        return Record("recv", float(ts), _member_text(line, obj, "frame"), None, name, number)
    if "sent" in obj:
        return Record("sent", float(ts), _member_text(line, obj, "sent"), None, name, number)
    url = obj["url"]
    if not isinstance(url, str):
        raise DataError("must be a string", path=name, line=number, column="url")
    return Record("http", float(ts), _member_text(line, obj, "body"), url, name, number)


def _member_text(line: str, obj: dict[str, object], key: str) -> str:
    """A member's text exactly as written: the string itself, or the inlined JSON's source."""
    value = obj[key]
    if isinstance(value, str):
        return value
    # Slice the inlined value out of the line rather than re-serialising it, so numbers keep
    # their exact spelling. The wrapper has only known keys, so the first '"key"' is ours.
    colon = line.index(":", line.index(f'"{key}"') + len(key) + 2)
    start = colon + 1
    while line[start] in " \t":
        start += 1
    _, end = _DECODER.raw_decode(line, start)
    return line[start:end]


_DECODER = json.JSONDecoder()


def read_all(paths: Iterable[Path], on_bad: OnBad | None = None) -> list[Record]:
    """Every record of several files, merged by timestamp when every record has one."""
    records = list(chain.from_iterable(read_capture(Path(p), on_bad) for p in paths))
    if records and all(r.ts is not None for r in records):
        records.sort(key=lambda r: r.ts or 0.0)
    return records
