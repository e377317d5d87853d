"""Journal frames as stored: each part of a delta deflated against that part's previous value.

A state frame (:mod:`core.statecodec`) compressed on its own keeps little of what it shares
with the frame before: the same holdings rows with a few figures moved, the same risk report
with its floats nudged, the same feed health with new timestamps. So a *delta* frame is split
into parts (``scalars``, each section in ``set``, ``book_diff``, ``events_add``, ...) and each
part is deflated with the previous value of the same part as the preset dictionary; deflate
then stores mostly the bytes that changed. A *full* frame (a keyframe) is stored as before,
one standalone zlib stream, and resets every part's dictionary, so decoding starts at any
keyframe and a session trimmed by retention still replays from its first full frame.

Stored layout of a delta::

    0x01, then per part: code (1 byte; 0xFF + name length + name for a name without a code),
    length (LEB128), raw deflate of the part's compact JSON (dictionary: the previous value);
    length 0 is a part unchanged since the last frame that carried it

The holdings section of a delta is stored as a row-level difference from the previous holdings
(part ``set/holdings~``, :mod:`core.holdingsdiff`), itself deflated against the previous
difference: an imported portfolio's ~180 KiB section becomes a few hundred bytes per frame.
A section the difference would not reproduce exactly is stored whole (``set/holdings``).
Any other section over 16 KiB (the risk report, the plan) is stored as a tree of small parts,
each against its own previous value, an unchanged one left out (:mod:`core.journaltree`).

A blob that does not start with 0x01 is a standalone zlib stream (a keyframe, or any frame
journaled before this encoding), so older journals still replay. Lossless: the decoded frame
has the same values as the one encoded. Sans-I/O.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any

from core.holdingsdiff import apply_holdings_diff, holdings_diff
from core.journaltree import LEAF, SHAPE, Path, assemble, name_of, path_of, tree_parts
from core.statecodec import SECTIONS, FrameError

DELTA = 0x01
_NAMED = 0xFF
_TOP = ("full", "scalars", "book_diff", "events_add", "events", "events_max")
NAMES: tuple[str, ...] = _TOP + tuple(f"set/{s}" for s in SECTIONS)
"""Part names with a one-byte code (their index); others are written out."""
_CODE = {name: i for i, name in enumerate(NAMES)}
_WINDOW = 32 * 1024
"""Deflate looks back 32 KiB at most: a longer dictionary's tail is all it can use."""
HOLDINGS = "set/holdings"
HOLDINGS_DIFF = "set/holdings~"
"""The holdings section as a difference from the previous one (written with its name)."""


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def split(frame: dict[str, Any]) -> list[tuple[str, bytes]]:
    """A frame's parts as (name, compact JSON), in frame order."""
    parts: list[tuple[str, bytes]] = []
    for key, value in frame.items():
        if key == "set":
            parts.append(("set", b""))  # keeps an empty ``set`` and its place
            parts.extend((f"set/{name}", _dumps(v)) for name, v in value.items())
        else:
            parts.append((key, _dumps(value)))
    return parts


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _deflate(body: bytes, zdict: bytes | None, level: int) -> bytes:
    if zdict:
        co = zlib.compressobj(level, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
    else:
        co = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    return co.compress(body) + co.flush()


def _inflate(data: bytes, zdict: bytes | None) -> bytes:
    do = zlib.decompressobj(-15, zdict) if zdict else zlib.decompressobj(-15)
    return do.decompress(data) + do.flush()


def _holdings_of(frame: dict[str, Any]) -> Any:
    return frame.get("set", {}).get("holdings")


def expand(frame: dict[str, Any], parts: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """``parts`` with every large section replaced by its tree (:mod:`core.journaltree`)."""
    out: list[tuple[str, bytes]] = []
    for name, body in parts:
        tree = None
        if name.startswith("set/") and name != HOLDINGS_DIFF:
            section = name[4:]
            tree = tree_parts(section, frame["set"][section], body)
        out.extend(tree or [(name, body)])
    return out


class FrameCompressor:
    """Compresses the frames of one journal in the order they are stored.

    ``structural`` False stores every section whole in every delta (no holdings difference,
    no trees: the encoding before them; ``bench/journal.py`` compares the two)."""

    def __init__(self, level: int = 9, *, structural: bool = True) -> None:
        self.level = level
        self.structural = structural
        self._prev: dict[str, bytes] = {}
        self._holdings: Any = None
        """The last holdings value stored (what the next difference is taken from)."""
        self._leaf: dict[str, bytes] = {}
        """Every tree leaf's last bytes, whole (an unchanged leaf is not written)."""

    def compress(self, raw: bytes, *, full: bool) -> bytes:
        frame = json.loads(raw)
        parts = split(frame)
        if full:
            seeded = [*parts, *expand(frame, parts)] if self.structural else parts
            self._prev = {name: body[-_WINDOW:] for name, body in seeded if body}
            self._leaf = {name: body for name, body in seeded if name[:1] == LEAF}
            self._holdings = _holdings_of(frame)
            return zlib.compress(raw, self.level)
        if self.structural:
            parts = [self._holdings_part(frame, name, body) for name, body in parts]
            parts = expand(frame, parts)
        out = bytearray((DELTA,))
        for name, body in parts:
            if name[:1] == LEAF:
                if self._leaf.get(name) == body:
                    continue  # the decoder keeps the last bytes of every leaf
                self._leaf[name] = body
            code = _CODE.get(name)
            if code is None:
                encoded = name.encode()
                out += bytes((_NAMED, len(encoded))) + encoded
            else:
                out.append(code)
            previous = self._prev.get(name)
            if not body or body == previous:  # the ``set`` marker, or unchanged: no bytes
                out.append(0)
                continue
            packed = _deflate(body, previous, self.level)
            out += _varint(len(packed)) + packed
            self._prev[name] = body[-_WINDOW:]
        return bytes(out)

    def _holdings_part(self, frame: dict[str, Any], name: str, body: bytes) -> tuple[str, bytes]:
        """The holdings part as a difference where one reproduces it; other parts as they are."""
        if name != HOLDINGS:
            return name, body
        current = _holdings_of(frame)
        previous, self._holdings = self._holdings, current
        if not isinstance(previous, dict) or not isinstance(current, dict):
            return name, body
        diff = holdings_diff(previous, current)
        # Lossless or not at all: the decoder must rebuild these very bytes (it keeps them as
        # the dictionary of a later whole holdings part, too).
        if diff is None or _dumps(apply_holdings_diff(previous, diff)) != body:
            return name, body
        self._prev[HOLDINGS] = body[-_WINDOW:]
        return HOLDINGS_DIFF, _dumps(diff)


class FrameDecompressor:
    """Decompresses stored frames given in order from a keyframe (see :class:`FrameReader`)."""

    def __init__(self) -> None:
        self._prev: dict[str, bytes] = {}
        self._holdings: Any = None
        self._leaf: dict[str, bytes] = {}

    def decompress(self, blob: bytes) -> dict[str, Any]:
        """The frame ``blob`` holds, as a dict (what :class:`~core.statecodec.StateDecoder`
        applies); raises :class:`FrameError` on a corrupt blob."""
        try:
            if blob[:1] != bytes((DELTA,)):
                frame: dict[str, Any] = json.loads(zlib.decompress(blob))
                if frame.get("full"):
                    # Whole sections as well as their trees: a journal written before the
                    # trees has deltas deflated against the whole section.
                    plain = split(frame)
                    parts = [*plain, *expand(frame, plain)]
                    self._prev = {n: b[-_WINDOW:] for n, b in parts if b}
                    self._leaf = {n: b for n, b in parts if n[:1] == LEAF}
                    self._holdings = _holdings_of(frame)
                return frame
            return self._delta(memoryview(blob)[1:])
        except (zlib.error, ValueError, IndexError, KeyError, UnicodeDecodeError) as exc:
            raise FrameError(f"corrupt journal frame: {exc}") from exc

    def _delta(self, view: memoryview) -> dict[str, Any]:
        frame: dict[str, Any] = {}
        shapes: dict[Path, Any] = {}
        pos = 0
        while pos < len(view):
            code = view[pos]
            pos += 1
            if code == _NAMED:
                size = view[pos]
                name = bytes(view[pos + 1 : pos + 1 + size]).decode()
                pos += 1 + size
            else:
                name = NAMES[code]
            length = shift = 0
            while True:
                byte = view[pos]
                pos += 1
                length |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            packed = bytes(view[pos : pos + length])
            pos += length
            if name == "set":
                frame["set"] = {}
                continue
            if length:
                body = _inflate(packed, self._prev.get(name))
                self._prev[name] = body[-_WINDOW:]
            else:
                body = self._prev[name]  # unchanged since the last frame that carried it
            if name[:1] == LEAF:
                self._leaf[name] = body
                continue
            value = json.loads(body)
            if name[:1] == SHAPE:
                path = path_of(name)
                shapes[path] = value
                if len(path) == 1:  # the section's place among the others; built below
                    frame.setdefault("set", {})[path[0]] = None
                continue
            if name == HOLDINGS_DIFF:
                value = apply_holdings_diff(self._holdings, value)
                name = HOLDINGS
                self._prev[HOLDINGS] = _dumps(value)[-_WINDOW:]
            if name == HOLDINGS:
                self._holdings = value
            if name.startswith("set/"):
                frame.setdefault("set", {})[name[4:]] = value
            else:
                frame[name] = value
        for path in shapes:
            if len(path) == 1:
                section = str(path[0])
                value = assemble(section, shapes, lambda p: self._leaf[name_of(LEAF, p)])
                frame["set"][section] = value
                if section == "holdings":
                    self._holdings = value
        return frame


class FrameReader:
    """Random access over a session's stored frames: decodes forward from the keyframe at or
    before the frame asked for, and steps on without restarting when asked for the next one."""

    def __init__(self, blobs: Sequence[bytes], full: Sequence[bool]) -> None:
        self._blobs = blobs
        self._full = full
        self._cursor = -1
        self._codec = FrameDecompressor()

    def __len__(self) -> int:
        return len(self._blobs)

    def frame(self, index: int) -> dict[str, Any]:
        """Frame ``index`` decoded (a dict, as :class:`~core.statecodec.StateDecoder` takes)."""
        if index != self._cursor + 1 and not self._full[index]:
            start = index
            while start > 0 and not self._full[start]:
                start -= 1
            self._codec = FrameDecompressor()
            for i in range(start, index):
                self._codec.decompress(self._blobs[i])
        frame = self._codec.decompress(self._blobs[index])
        self._cursor = index
        return frame
