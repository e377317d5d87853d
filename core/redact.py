"""Secret-free logs: API keys, secrets and request signatures never reach a log line.

ccxt logs every request at DEBUG (method, signed URL, headers with the API key, body) and its
errors quote the URL; an aiohttp or REST error can too. :class:`RedactingFilter` rewrites a
record before any handler sees it: the registered key and secret values, the values of
signing parameters in query strings and form bodies (``signature=``, ``apiKey=``, ...), of
signing headers (``X-MBX-APIKEY``, ``API-Key``, ``API-Sign``, ``Authorization``, ...) in
their dict or JSON spellings, and the same in a logged exception's traceback text.

It sits at the source (the ``ccxt``, ``aiohttp`` and venue loggers, where such records are
made, so a handler someone adds later is covered) and on cockpit's own log handlers (so a
record from any other logger is covered too). Filtering costs one pass of a few regular
expressions per record that is actually written, at any level.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
SENSITIVE = (
    r"signature|sig|sign|api[-_]?sign|api[-_]?key|apikey|x-mbx-apikey|x-api-key|"
    r"secret|api[-_]?secret|passphrase|password|token|otp|authorization"
)
_PARAM = re.compile(rf"(?i)\b({SENSITIVE})=([^&\s'\",;)]+)")
"""``name=value`` in a query string or form body."""
_QUOTED = re.compile(rf"(?i)(['\"]({SENSITIVE})['\"]\s*:\s*)(['\"])(.*?)(?<!\\)\3")
"""``'Name': 'value'`` in a dict's repr, or ``"name": "value"`` in JSON."""
_HEADER = re.compile(rf"(?im)^(\s*({SENSITIVE})\s*:\s*)(\S.*)$")
"""``Name: value`` on a line of its own (raw headers)."""
SOURCE_LOGGERS = ("ccxt", "ccxt.base.exchange", "aiohttp", "aiohttp.client", "core.venues")


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and exception text) without its secrets; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: left for logging to report
            return True
        hidden = redact(text)
        if hidden != text:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_secrets: set[str] = set()
_FILTER = RedactingFilter()


def register_secret(*values: str) -> None:
    """Hide these literal values (a venue's API key and secret) wherever they appear."""
    _secrets.update(v for v in values if len(v) >= 4)


def redact(text: str) -> str:
    """``text`` with every registered secret and every signing value replaced."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    if "=" in text:
        text = _PARAM.sub(rf"\1={MASK}", text)
    if ":" in text:
        text = _QUOTED.sub(rf"\1\3{MASK}\3", text)
        text = _HEADER.sub(rf"\1{MASK}", text)
    return text


def protect(*loggers: logging.Logger | logging.Handler) -> None:
    """Add the filter to these loggers or handlers (once each)."""
    for target in loggers:
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)


def protect_sources() -> None:
    """Filter at the source: every logger known to log requests, keys or signed URLs."""
    protect(*(logging.getLogger(name) for name in SOURCE_LOGGERS))
