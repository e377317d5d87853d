"""Confirm tokens: the second step a client must take before a re-arm or a flatten.

A single stray or scripted frame must not re-arm trading or sell every holding. The client
first sends ``confirm_request`` with the exact command; the server answers a random token
bound to that command and to that connection, valid once and for ``daemon.confirm_ttl_s``;
the command then carries the token in ``confirm``. Sans-I/O: the caller passes the clock.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from core.views import Command, KillSwitch

FLATTEN_LEVEL = 3
"""The kill switch's flatten level (``core.execution.safety.KillLevel.FLATTENED``)."""
MAX_OPEN_TOKENS = 8
"""Tokens one connection may hold at once; asking for more drops the oldest."""


def needs_confirm(command: Command, kill_level: int) -> bool:
    """Whether ``command`` needs a token: a re-arm, or a kill-switch step that flattens."""
    if not isinstance(command, KillSwitch):
        return False
    if not command.engage:
        return True
    level = command.level if command.level is not None else kill_level + 1
    return level >= FLATTEN_LEVEL


def may_need_confirm(command: Command) -> bool:
    """What a client checks before sending: true whenever :func:`needs_confirm` may be, not
    knowing the daemon's kill level (a token the server does not need is simply unused)."""
    return needs_confirm(command, FLATTEN_LEVEL - 1)


def describe(command: Command) -> str:
    """What a token confirms, in words, for the answer and the logs."""
    if isinstance(command, KillSwitch) and not command.engage:
        return "re-arm trading"
    if isinstance(command, KillSwitch):
        return "kill switch: flatten every holding into the stablecoin"
    return command.kind


def _digest(command: Command) -> str:
    return hashlib.sha256(command.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Token:
    digest: str
    expires_at: float


class ConfirmTokens:
    """The tokens one connection was given; each confirms one exact command, once."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._tokens: dict[str, _Token] = {}

    def issue(self, command: Command, now: float) -> str:
        token = secrets.token_urlsafe(16)
        self._tokens[token] = _Token(_digest(command), now + self.ttl_s)
        while len(self._tokens) > MAX_OPEN_TOKENS:
            del self._tokens[next(iter(self._tokens))]
        return token

    def redeem(self, token: str | None, command: Command, now: float) -> str | None:
        """Use ``token`` for ``command``: None when it confirms it, else why not."""
        if token is None:
            return "no confirm token: send confirm_request first"
        held = self._tokens.pop(token, None)
        if held is None:
            return "unknown or already used confirm token"
        if now > held.expires_at:
            return f"confirm token expired (valid {self.ttl_s:g} s)"
        if held.digest != _digest(command):
            return "the confirm token was issued for another command"
        return None
