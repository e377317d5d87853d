"""Which channel a recorded frame belongs to, and whether ``feed verify`` checks it.

The book handlers ignore frames they have no use for, which is right for a live feed but
let a replay pass over anything silently: a recording of the wrong venue, a mangled channel
name or a stream the verifier never looks at all read as "books consistent". The replay asks
:func:`classify` about every received frame and reports

* **checked** channels: the ones the handlers apply (books, best bid/ask, trades) and control
  messages (heartbeats, status, subscription and request replies);
* **unchecked** channels: real public channels of the venue that verify does not check
  (Kraken ``ohlc``/``spread``, Binance ``kline``/``24hrTicker``...), counted in the summary;
* **unknown** channels: nothing the venue publishes; verify fails, naming each one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import orjson


class ChannelKind(StrEnum):
    CHECKED = "checked"
    UNCHECKED = "unchecked"
    UNKNOWN = "unknown"


_KRAKEN_V2_CHECKED = {"book", "heartbeat", "trade", "ticker", "instrument", "status"}
_KRAKEN_V2_UNCHECKED = {"ohlc", "level3", "executions", "balances"}
_KRAKEN_V1_EVENTS = {"heartbeat", "systemStatus", "subscriptionStatus", "pong", "error"}
_KRAKEN_V1_CHECKED_PREFIXES = ("book-",)
_KRAKEN_V1_UNCHECKED = ("trade", "ticker", "spread", "ohlc")
_BINANCE_CHECKED = {"depthUpdate", "aggTrade", "trade", "serverShutdown"}
_BINANCE_UNCHECKED = {
    "kline",
    "24hrTicker",
    "24hrMiniTicker",
    "1hTicker",
    "4hTicker",
    "1dTicker",
    "avgPrice",
}


def classify(exchange: str, payload: str) -> tuple[str, ChannelKind] | None:
    """(channel name, kind) of one received frame; None when it is not JSON (the handlers
    already report that as malformed)."""
    try:
        msg = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if exchange == "binance":
        return _binance(msg) if isinstance(msg, dict) else ("(not an object)", ChannelKind.UNKNOWN)
    if isinstance(msg, list):
        return _kraken_v1_array(msg)
    if not isinstance(msg, dict):
        return ("(not an object)", ChannelKind.UNKNOWN)
    if "channel" in msg:
        channel = str(msg["channel"])[:40]
        if channel in _KRAKEN_V2_CHECKED:
            return channel, ChannelKind.CHECKED
        kind = ChannelKind.UNCHECKED if channel in _KRAKEN_V2_UNCHECKED else ChannelKind.UNKNOWN
        return channel, kind
    if "method" in msg:
        return f"method {str(msg['method'])[:40]}", ChannelKind.CHECKED
    if "event" not in msg:
        return "(no channel)", ChannelKind.UNKNOWN
    event = str(msg["event"])[:40]
    kind = ChannelKind.CHECKED if event in _KRAKEN_V1_EVENTS else ChannelKind.UNKNOWN
    return f"event {event}", kind


def _kraken_v1_array(msg: list[Any]) -> tuple[str, ChannelKind]:
    channel = msg[-2] if len(msg) >= 4 and isinstance(msg[-2], str) else "(no channel name)"
    channel = channel[:40]
    if channel.startswith(_KRAKEN_V1_CHECKED_PREFIXES):
        return channel, ChannelKind.CHECKED
    if channel.startswith(_KRAKEN_V1_UNCHECKED):
        return channel, ChannelKind.UNCHECKED
    return channel, ChannelKind.UNKNOWN


def _binance(msg: dict[str, Any]) -> tuple[str, ChannelKind]:
    if "id" in msg and ("result" in msg or "error" in msg):
        return "reply", ChannelKind.CHECKED
    data = msg.get("data", msg)
    if isinstance(msg.get("event"), dict):
        data = msg["event"]
    if not isinstance(data, dict):
        return "(no event)", ChannelKind.UNKNOWN
    event = data.get("e")
    if event is None and {"u", "b", "a"} <= data.keys():
        return "bookTicker", ChannelKind.CHECKED
    name = str(event)[:40]
    if name in _BINANCE_CHECKED:
        return name, ChannelKind.CHECKED
    return name, ChannelKind.UNCHECKED if name in _BINANCE_UNCHECKED else ChannelKind.UNKNOWN
