"""The control channel's wire format: newline-delimited JSON messages (``docs/protocol.md``).

Sans-I/O: parsing and building messages, roles and what each role may do. The server
(:mod:`core.daemon.server`) and the client (:mod:`core.daemon.remote`) move the bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

from core.views import Command, CommandResult

PROTOCOL_VERSION = 1
MAX_LINE = 64 * 1024 * 1024
"""Longest accepted message (a full state frame is ~60 KB)."""


class Role(StrEnum):
    OBSERVER = "observer"
    """Reads state and events; may change what it looks at, never trade."""
    OPERATOR = "operator"
    """May also send trading commands; every such command is audited."""


TRADING_KINDS: frozenset[str] = frozenset(
    {
        "place_order",
        "place_emulated",
        "cancel_order",
        "cancel_all",
        "kill_switch",
        "execute_plan",
        "abort_plan",
    }
)
"""Commands an observer is refused: every one that trades or stops trading."""
VIEW_KINDS: frozenset[str] = frozenset(
    {"select_market", "cycle_market", "preview_plan", "execution_history", "chart_history"}
)
"""Commands that only change or read what is shown: not logged as operator commands (they
follow key presses; a TUI's own core would fill its log with them)."""

_COMMAND: TypeAdapter[Command] = TypeAdapter(Command)


class ProtocolError(ValueError):
    """A malformed or out-of-order message; the server answers with an ``error`` message."""


@dataclass(frozen=True, slots=True)
class Peer:
    """Who is on the other end of the socket (``SO_PEERCRED``)."""

    pid: int
    uid: int
    gid: int

    def describe(self) -> str:
        return f"pid {self.pid}, uid {self.uid}"


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("a message is a JSON object with a string 'type'")
    return message


def parse_command(raw: Any) -> Command:
    try:
        return _COMMAND.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "command"
        raise ProtocolError(f"bad command at {where}: {first['msg']}") from exc


def command_message(request_id: int, command: Command) -> bytes:
    payload = command.model_dump_json().encode()
    return b'{"type":"command","id":' + str(request_id).encode() + b',"command":' + payload + b"}\n"


def result_message(request_id: Any, result: CommandResult) -> bytes:
    """A command's result; ``data`` (JSON-able: a plan preview, the execution history) only
    when the command has a structured answer."""
    message: dict[str, Any] = {
        "type": "result",
        "id": request_id,
        "ok": result.ok,
        "message": result.message,
    }
    if result.data is not None:
        message["data"] = result.data
    return encode(message)


def state_message(frame: bytes) -> bytes:
    """A state frame (:mod:`core.statecodec`) embedded without re-encoding."""
    return b'{"type":"state","frame":' + frame + b"}\n"


def audit_actor(role: Role, peer: Peer, client: str) -> str:
    """The client's identity in the audit trail: ``<role>:<uid>:<pid>:<client name>``.

    uid and pid come from the kernel (``SO_PEERCRED``); the name is what the client said in
    its hello, reduced to a short token (letters, digits, ``._/@+-``; at most 40 characters).
    """
    name = re.sub(r"[^\w./@+-]", "_", client)[:40] or "unknown"
    return f"{role.value}:{peer.uid}:{peer.pid}:{name}"


def allowed(role: Role, kind: str) -> bool:
    """Whether ``role`` may send a command of ``kind``."""
    return role is Role.OPERATOR or kind not in TRADING_KINDS
