"""Inbound control-channel frames: one pydantic model per message type, and the parser.

Everything a client sends passes :func:`parse_frame` before the server acts on it, so no
outside value reaches the core unchecked. Why each bound exists:

- a frame is at most :data:`MAX_FRAME` bytes (the server's read buffer is that size too);
- nesting is at most :data:`MAX_DEPTH` deep; a frame holds at most 1,000 arrays/objects,
  counted *before* JSON parsing (a frame nested 100,000 deep once reached the parser's
  recursion), and the parser itself stops at the interpreter's recursion limit;
- every number is finite: ``NaN``/``Infinity`` literals and overflowing literals (``1e309``)
  are refused while parsing (a NaN ``max_hz`` once became a NaN sleep that stopped every
  timer of the event loop), and the models refuse them again (``allow_inf_nan=False``);
- every string is at most :data:`MAX_STRING` characters, and fields have their own bounds.

Sans-I/O: bytes in, a model out, or a :class:`~core.errors.ProtocolError` (never anything
else: a property test holds it to that).
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)

from core.errors import ProtocolError

MAX_FRAME = 1024 * 1024
"""Longest accepted inbound frame in bytes (a command is well under 1 KiB)."""
MAX_DEPTH = 32
"""Deepest accepted nesting of JSON arrays and objects (a command needs 4)."""
MAX_STRING = 4096
"""Longest accepted JSON string, in characters."""

MAX_CONTAINERS = 1000
"""Most ``[``/``{`` bytes a frame may hold (a command holds a handful): bounds the walk below."""
MAX_QUOTES = 20_000
"""Most ``"`` bytes a frame may hold (10,000 strings)."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError(f"number {text[:20]} is out of range")
    return value


def _no_constant(text: str) -> Any:
    raise ProtocolError(f"{text} is not a number the protocol accepts")


def check_bounds(message: Any, depth_limit: int = MAX_DEPTH) -> None:
    """Nesting at most ``depth_limit`` and every string (keys too) at most MAX_STRING
    characters, walked without recursion."""
    stack: list[tuple[Any, int]] = [(message, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                raise ProtocolError(f"a string longer than {MAX_STRING} characters")
        elif isinstance(value, dict | list):
            if depth > depth_limit:
                raise ProtocolError(f"nested deeper than {depth_limit} levels")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)


def load_json(line: bytes) -> dict[str, Any]:
    """Bytes to a JSON object with a string ``type``, within every bound above.

    Cheap counts first (C-speed, before parsing), so the work on any frame is bounded: at
    most 1 MiB, 1,000 arrays/objects, 10,000 strings. The parser bounds nesting itself
    (CPython's C parser raises ``RecursionError`` past the interpreter's limit, ~1,000, in
    well under a millisecond); :func:`check_bounds` then holds it to :data:`MAX_DEPTH`.
    """
    if len(line) > MAX_FRAME + 1:
        raise ProtocolError(f"frame longer than {MAX_FRAME} bytes")
    if line.count(b"[") + line.count(b"{") > MAX_CONTAINERS:
        raise ProtocolError(f"more than {MAX_CONTAINERS} arrays and objects (or nested too deep)")
    if line.count(b'"') > MAX_QUOTES:
        raise ProtocolError(f"more than {MAX_QUOTES // 2} strings")
    try:
        message = json.loads(line, parse_float=_finite_float, parse_constant=_no_constant)
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError(f"nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {str(exc)[:120]}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("a message is a JSON object with a string 'type'")
    check_bounds(message)
    return message


# --------------------------------------------------------------------------- the models


class Frame(BaseModel):
    """Base of every inbound frame: immutable, unknown fields refused, finite numbers."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, str_max_length=MAX_STRING
    )


RequestId = Annotated[StrictInt, Field(ge=0, le=2**53)] | Annotated[StrictStr, Field(max_length=64)]
"""What a client may use as a request id; the answer carries it back."""


class Hello(Frame):
    type: Literal["hello"]
    role: Literal["observer", "operator"] = "observer"
    client: Annotated[StrictStr, Field(max_length=80)] = "unknown"
    """The client's own name for itself (logs and the audit trail's actor)."""


class Subscribe(Frame):
    type: Literal["subscribe"]
    state: StrictBool = True
    events: StrictBool = False
    max_hz: Annotated[float, Field(ge=0.1, le=60.0, strict=True)] = 15.0
    """States per second at most; out of range is refused, not clamped."""


class Unsubscribe(Frame):
    type: Literal["unsubscribe"]


class CommandFrame(Frame):
    type: Literal["command"]
    id: RequestId | None = None
    command: dict[str, Any]
    """A ``core.views.Command``; validated apart so a bad one is answered with its id."""
    confirm: Annotated[StrictStr, Field(max_length=64)] | None = None
    """The token a ``confirm_request`` answered, for a command that needs one."""


class ConfirmRequest(Frame):
    """Ask for a confirm token for ``command`` (re-arm, flatten; see ``docs/protocol.md``)."""

    type: Literal["confirm_request"]
    id: RequestId | None = None
    command: dict[str, Any]


class Ping(Frame):
    type: Literal["ping"]
    id: RequestId | None = None


class StatusRequest(Frame):
    type: Literal["status"]
    id: RequestId | None = None


InboundFrame = Annotated[
    Hello | Subscribe | Unsubscribe | CommandFrame | ConfirmRequest | Ping | StatusRequest,
    Field(discriminator="type"),
]
_FRAME: TypeAdapter[InboundFrame] = TypeAdapter(InboundFrame)
FRAME_TYPES: frozenset[str] = frozenset(
    {"hello", "subscribe", "unsubscribe", "command", "confirm_request", "ping", "status"}
)


def validation_message(what: str, exc: ValidationError) -> str:
    """A pydantic error as one line naming the field at fault."""
    first = exc.errors()[0]
    loc = first["loc"]
    if loc and loc[0] == what:  # the union's tag
        loc = loc[1:]
    where = ".".join(str(p) for p in loc) or what
    return f"bad {what} at {where}: {first['msg']}"


def parse_frame(line: bytes) -> InboundFrame:
    """One inbound line to its model; :class:`ProtocolError` for anything out of bounds."""
    message = load_json(line)
    kind = message["type"]
    if kind not in FRAME_TYPES:
        raise ProtocolError(f"unknown message type {kind[:40]!r}")
    try:
        return _FRAME.validate_python(message)
    except ValidationError as exc:
        raise ProtocolError(validation_message(kind, exc)) from None
