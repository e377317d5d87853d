"""The control channel's wire format: newline-delimited JSON messages (``docs/protocol.md``).

Sans-I/O: building messages, roles and what each role may do (:data:`COMMAND_RULES`); the
inbound frames and their bounds are :mod:`core.daemon.frames`. The server
(:mod:`core.daemon.server`) and the client (:mod:`core.daemon.remote`) move the bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

from core.errors import ProtocolError
from core.views import Command, CommandResult

PROTOCOL_VERSION = 1
MAX_LINE = 64 * 1024 * 1024
"""Longest message a client accepts from the daemon (a full state frame is ~60 KB). What the
daemon accepts from clients is bounded far tighter: :data:`core.daemon.frames.MAX_FRAME`."""


class Role(StrEnum):
    OBSERVER = "observer"
    """Reads state, events and history; changes nothing another client sees."""
    OPERATOR = "operator"
    """May also change shared state and trade; every such command is audited."""


@dataclass(frozen=True, slots=True)
class CommandRule:
    """What one command kind needs: the role, and whether an operator's use is logged."""

    role: Role
    logged: bool = True
    """False for kinds that follow key presses (a TUI's own core would fill its log)."""


_OPERATOR = CommandRule(Role.OPERATOR)
COMMAND_RULES: dict[str, CommandRule] = {
    # Each connection chooses its own market (core.daemon.market_choice): an observer's
    # choice changes only what it receives.
    "select_market": CommandRule(Role.OBSERVER, logged=False),
    "cycle_market": CommandRule(Role.OBSERVER, logged=False),
    "refresh_risk": _OPERATOR,
    "regenerate_plan": _OPERATOR,
    # With no plan id it builds and saves a fresh current plan: shared state.
    "preview_plan": CommandRule(Role.OPERATOR, logged=False),
    "execution_history": CommandRule(Role.OBSERVER, logged=False),
    "chart_history": CommandRule(Role.OBSERVER, logged=False),
    "performance_report": CommandRule(Role.OBSERVER, logged=False),
    # Reads of what the core knows, for CLI clients (`cockpit order list`, `book`, the
    # progress of `execute-plan`): they change nothing.
    "list_orders": CommandRule(Role.OBSERVER, logged=False),
    "get_book": CommandRule(Role.OBSERVER, logged=False),
    "plan_status": CommandRule(Role.OBSERVER, logged=False),
    "place_order": _OPERATOR,
    "place_emulated": _OPERATOR,
    "cancel_order": _OPERATOR,
    "cancel_all": _OPERATOR,
    "kill_switch": _OPERATOR,
    # Accepts a broken audit trail and lets trading resume: audited, operator only.
    "acknowledge_audit": _OPERATOR,
    "execute_plan": _OPERATOR,
    "abort_plan": _OPERATOR,
    # Writes the database (an import, daily closes) and changes the merged portfolio.
    "import_cointracking": _OPERATOR,
    "import_prices": _OPERATOR,
}
"""The one table of which role each command kind needs (mirrored in ``docs/protocol.md``).
Anything that changes state another client sees is operator-only; a kind missing here is
treated as operator-only (fail closed) and a test requires every kind to be listed."""

_COMMAND: TypeAdapter[Command] = TypeAdapter(Command)


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
    """A message from the daemon (a client's side); the daemon parses what clients send with
    :func:`core.daemon.frames.parse_frame`."""
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
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
        raise ProtocolError(f"bad command at {where}: {first['msg']}") from None


def command_message(request_id: int, command: Command, *, confirm: str | None = None) -> bytes:
    """A ``command`` frame; ``confirm`` carries the token a ``confirm_request`` answered."""
    payload = command.model_dump_json().encode()
    token = b"" if confirm is None else b',"confirm":' + json.dumps(confirm).encode()
    return (
        b'{"type":"command","id":'
        + str(request_id).encode()
        + b',"command":'
        + payload
        + token
        + b"}\n"
    )


def result_message(request_id: Any, result: CommandResult) -> bytes:
    """A command's result; a failure's ``title`` and ``retryable``; ``data`` (a typed answer of
    :mod:`core.answers`, tagged by its ``kind``) only when the command has one."""
    message: dict[str, Any] = {
        "type": "result",
        "id": request_id,
        "ok": result.ok,
        "message": result.message,
    }
    if not result.ok:
        message["title"] = result.title or "Refused"
        message["retryable"] = result.retryable
    if result.data is not None:
        message["data"] = result.data.model_dump(mode="json")
    return encode(message)


def parse_result(message: dict[str, Any]) -> CommandResult:
    """A ``result`` message back into a :class:`CommandResult` with its typed answer."""
    fields = {
        k: message[k] for k in ("ok", "message", "title", "retryable", "data") if k in message
    }
    try:
        return CommandResult.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "result"
        raise ProtocolError(f"bad result at {where}: {first['msg']}") from exc


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


def rule_for(kind: str) -> CommandRule:
    """The rule of a command kind; operator-only when the kind is not in the table."""
    return COMMAND_RULES.get(kind, _OPERATOR)


def allowed(role: Role, kind: str) -> bool:
    """Whether ``role`` may send a command of ``kind``."""
    return role is Role.OPERATOR or rule_for(kind).role is Role.OBSERVER
