"""The inbound frame parser, sans-I/O: property tests (hypothesis) and its bounds.

Whatever bytes arrive, :func:`parse_frame` either returns a model or raises
:class:`ProtocolError`, nothing else; and no model it returns holds a non-finite number.
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.daemon.frames import (
    FRAME_TYPES,
    MAX_DEPTH,
    MAX_FRAME,
    CommandFrame,
    Hello,
    Subscribe,
    load_json,
    parse_frame,
)
from core.errors import ProtocolError

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any JSON value, with non-finite floats and nesting, inside a frame of a known type.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
finite_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=40,
)
field_names = st.sampled_from(
    ["role", "client", "state", "events", "max_hz", "id", "command", "confirm", "kind", "x"]
)
frames = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from([*sorted(FRAME_TYPES), "nope"]),
    st.dictionaries(field_names, json_values, max_size=4),
)


def finite_everywhere(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite_everywhere(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(finite_everywhere(v) for v in value)
    return True


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


@PROPERTY
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_model_or_a_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        parse_frame(data + b"\n")


@PROPERTY
@given(frames)
def test_accepted_frames_hold_only_finite_numbers(frame: dict[str, Any]) -> None:
    line = json.dumps(frame, allow_nan=True).encode() + b"\n"  # NaN/Infinity literals too
    try:
        parsed = parse_frame(line)
    except ProtocolError:
        return
    assert finite_everywhere(parsed.model_dump())  # the command's raw dict included


@PROPERTY
@given(finite_values)
def test_the_depth_bound_agrees_with_the_real_depth(value: Any) -> None:
    line = json.dumps({"type": "x", "v": value}).encode()
    if 1 + depth_of(value) <= MAX_DEPTH:
        assert load_json(line)["v"] == value
    else:
        with pytest.raises(ProtocolError, match="nested deeper than 32 levels"):
            load_json(line)


@PROPERTY
@given(st.integers(min_value=0, max_value=60))
def test_nesting_past_the_bound_is_refused_at_any_depth(depth: int) -> None:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    line = json.dumps({"type": "ping", "id": value}).encode()
    if depth + 1 > MAX_DEPTH:
        with pytest.raises(ProtocolError, match="nested deeper than 32 levels"):
            load_json(line)
    else:
        assert load_json(line)["id"] == value


@PROPERTY
@given(st.integers(min_value=0, max_value=200), st.text(alphabet='[]{}"\\', max_size=50))
def test_nesting_and_bracket_noise_never_raise_anything_else(depth: int, noise: str) -> None:
    line = ('{"type":"ping","id":' + "[" * depth + noise + "]" * depth + "}").encode()
    with contextlib.suppress(ProtocolError):
        parse_frame(line + b"\n")


def test_the_bounds() -> None:
    deep = b'{"type":"ping","id":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    with pytest.raises(ProtocolError, match="more than 1000 arrays and objects"):
        parse_frame(deep)
    with pytest.raises(ProtocolError, match="more than 1000 arrays and objects"):
        parse_frame(b"[" * 100_000 + b"\n")  # unbalanced as well as deep
    with pytest.raises(ProtocolError, match="nested deeper than 32"):
        parse_frame(b'{"type":"ping","id":' + b"[" * 900 + b"]" * 900 + b"}\n")
    with pytest.raises(ProtocolError, match="more than 10000 strings"):
        parse_frame(b'{"type":"ping","id":[' + b'"",' * 10_001 + b'""]}\n')
    with pytest.raises(ProtocolError, match="longer than"):
        parse_frame(b'{"type":"ping","id":"' + b"x" * MAX_FRAME + b'"}\n')
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e309", b"-1e400"):
        with pytest.raises(ProtocolError):
            parse_frame(b'{"type":"subscribe","max_hz":' + literal + b"}\n")
    with pytest.raises(ProtocolError, match="not JSON"):
        parse_frame(b'{"type":"ping","id":' + b"9" * 5000 + b"}\n")  # beyond int parsing
    with pytest.raises(ProtocolError, match="client"):
        parse_frame(b'{"type":"hello","role":"observer","client":42}\n')
    with pytest.raises(ProtocolError, match="unknown message type"):
        parse_frame(b'{"type":"shutdown"}\n')
    with pytest.raises(ProtocolError, match="admin: Extra inputs"):
        parse_frame(b'{"type":"ping","id":1,"admin":true}\n')
    with pytest.raises(ProtocolError, match="state"):
        parse_frame(b'{"type":"subscribe","state":"yes"}\n')

    assert parse_frame(b'{"type":"hello","role":"operator","client":"me"}\n') == Hello(
        type="hello", role="operator", client="me"
    )
    subscribe = parse_frame(b'{"type":"subscribe","max_hz":60,"events":true}\n')
    assert subscribe == Subscribe(type="subscribe", max_hz=60.0, events=True)
    command = parse_frame(b'{"type":"command","id":"a","command":{"kind":"abort_plan"}}\n')
    assert isinstance(command, CommandFrame) and command.id == "a" and command.confirm is None
