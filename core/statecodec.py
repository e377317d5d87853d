"""Encode a stream of :class:`~core.views.CockpitState` as compact JSON frames, and back.

One codec serves the flight recorder (frames journaled in SQLite) and the daemon's control
socket (frames sent to attached TUIs). A *full* frame carries every section; a *delta* frame
carries the scalar fields plus only the sections that changed since they were last sent (the
core reuses a section's object while it is unchanged, so identity is the quick test; an equal
value in a new object, such as a rebuilt tuple, is not sent again either). A delta may be
limited to some sections (the flight recorder journals market data more often than the
portfolio); the others are sent by a later frame, and until then the decoder keeps their
previous values. With ``diff_book`` (the recorder) a changed book of the same market goes as
``book_diff``, its levels mostly indices into the previous book (:mod:`core.bookdiff`). The
execution log is sent as the events appended since the previous frame,
not the whole log.

Frame layout (one JSON object)::

    {"full": true|false, "scalars": {version, ts, mode, session_id, trading_enabled, replay},
     "set": {section: value, ...}, "book_diff": {...}, "events_add": [LogEvent, ...],
     "events_max": N}

Sans-I/O: plain objects in, bytes out; the decoder rebuilds equal states.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from pydantic import TypeAdapter, ValidationError

from core.bookdiff import BookDiffError, apply_book_diff, book_diff
from core.models import BookSnapshot, LogEvent
from core.views import CockpitState

SCALARS: tuple[str, ...] = (
    "version",
    "ts",
    "mode",
    "session_id",
    "trading_enabled",
    "replay",
)
"""Always present in a frame: small and change with every state."""
SECTIONS: tuple[str, ...] = tuple(
    name for name in CockpitState.model_fields if name not in SCALARS and name != "events"
)
"""Sent only when their object changed."""

_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(field.annotation)  # type: ignore[arg-type]  # every field is annotated
    for name, field in CockpitState.model_fields.items()
}
_EVENTS: TypeAdapter[tuple[LogEvent, ...]] = TypeAdapter(tuple[LogEvent, ...])


def _json(name: str, value: Any) -> bytes:
    return _ADAPTERS[name].dump_json(value)


def new_events(
    previous: tuple[LogEvent, ...], current: tuple[LogEvent, ...]
) -> tuple[LogEvent, ...] | None:
    """The events appended to ``previous`` to give ``current`` (the log is append-only and
    trimmed at the front), or ``None`` when ``current`` is not such a continuation."""
    if current is previous:
        return ()
    if not previous:
        return current
    last = previous[-1]
    for index in range(len(current) - 1, -1, -1):
        if current[index] is last or current[index] == last:
            head = current[: index + 1]
            tail = previous[-len(head) :]
            if head == tail:
                return current[index + 1 :]
            return None
    return None


class StateEncoder:
    """Turns successive states into frames; ``full=True`` (or the first call) sends everything."""

    def __init__(self, events_max: int, *, diff_book: bool = False) -> None:
        self.events_max = events_max
        self.diff_book = diff_book
        """Send a changed book of the same market as ``book_diff`` (:mod:`core.bookdiff`)."""
        self._sent: dict[str, Any] | None = None
        self._events: tuple[LogEvent, ...] = ()
        self.sent_sections: tuple[str, ...] = ()
        """The sections the last frame carried."""

    def reset(self) -> None:
        """The next frame will be full (a new subscriber, a keyframe)."""
        self._sent = None

    def encode(
        self, state: CockpitState, *, full: bool = False, sections: Collection[str] | None = None
    ) -> bytes:
        """The frame for ``state``: every section if full, else those changed since sent.

        ``sections`` limits a delta frame to those sections; a changed section left out stays
        pending and goes with a later frame that allows it (compared with what was last sent).
        """
        sent = None if full else self._sent
        whole = sent is None
        parts: list[bytes] = [b'{"full":', b"true" if whole else b"false"]
        parts.append(b',"scalars":{')
        parts.append(
            b",".join(
                json.dumps(name).encode() + b":" + _json(name, getattr(state, name))
                for name in SCALARS
            )
        )
        parts.append(b'},"set":{')
        changed: list[str] = []
        diff: dict[str, Any] | None = None
        if sent is None:
            sent = {}
            self._sent = sent
            candidates: Collection[str] = SECTIONS
        else:
            candidates = SECTIONS if sections is None else [n for n in SECTIONS if n in sections]
        for name in candidates:
            value = getattr(state, name)
            if name in sent:
                last = sent[name]
                if value is last:
                    continue
                if value == last:
                    sent[name] = value  # the same value in a new object: nothing to send
                    continue
            before = sent.get(name)
            if name == "book" and self.diff_book and isinstance(before, BookSnapshot):
                diff = book_diff(before, value) if isinstance(value, BookSnapshot) else None
            sent[name] = value
            changed.append(name)
        self.sent_sections = tuple(changed)
        parts.append(
            b",".join(
                json.dumps(n).encode() + b":" + _json(n, getattr(state, n))
                for n in changed
                if not (n == "book" and diff is not None)
            )
        )
        parts.append(b"}")
        if diff is not None:
            parts.append(b',"book_diff":' + json.dumps(diff, separators=(",", ":")).encode())
        added = None if whole else new_events(self._events, state.events)
        self._events = state.events
        if added is None:
            parts.append(b',"events":' + _EVENTS.dump_json(state.events))
        elif added:
            parts.append(b',"events_add":' + _EVENTS.dump_json(added))
        parts.append(b',"events_max":' + str(self.events_max).encode() + b"}")
        return b"".join(parts)


class FrameError(ValueError):
    """A frame that cannot be decoded (corrupt, or a delta without a full frame before it)."""


class StateDecoder:
    """Rebuilds states from frames; unchanged sections keep their decoded objects."""

    def __init__(self) -> None:
        self._sections: dict[str, Any] = {}
        self._events: tuple[LogEvent, ...] = ()
        self.state: CockpitState | None = None

    def apply(self, frame: bytes | dict[str, Any]) -> CockpitState:
        data = json.loads(frame) if isinstance(frame, bytes | str) else frame
        if not isinstance(data, dict) or "scalars" not in data:
            raise FrameError("not a state frame")
        if not data.get("full") and self.state is None:
            raise FrameError("delta frame before any full frame")
        if data.get("full"):
            self._sections = {}
            self._events = ()
        for name, value in data.get("set", {}).items():
            if name not in SECTIONS:
                raise FrameError(f"unknown section {name!r}")
            self._sections[name] = _ADAPTERS[name].validate_python(value)
        if "book_diff" in data:
            try:
                self._sections["book"] = apply_book_diff(
                    self._sections.get("book"), data["book_diff"]
                )
            except (BookDiffError, ValidationError) as exc:
                raise FrameError(f"bad book difference: {exc}") from exc
        if "events" in data:
            self._events = _EVENTS.validate_python(data["events"])
        elif data.get("events_add"):
            added = _EVENTS.validate_python(data["events_add"])
            limit = int(data.get("events_max") or 0) or None
            merged = self._events + added
            self._events = merged[-limit:] if limit else merged
        scalars = {
            name: _ADAPTERS[name].validate_python(data["scalars"][name])
            for name in SCALARS
            if name in data["scalars"]
        }
        self.state = CockpitState.model_construct(**scalars, **self._sections, events=self._events)
        return self.state
