"""Exact conversions between venue number spellings and integer ticks.

Venues send prices either as decimal strings (Kraken v1, Binance) or as JSON numbers (Kraken v2).
Strings convert exactly by dropping the dot. JSON numbers are parsed by ``orjson`` as binary
floats: a float parsed from a decimal with at most 15 significant digits round-trips exactly,
and ``round(value * 10**scale)`` recovers the integer as long as it stays below 2**50 (the
rounding error is then far below half a tick). Larger values are reported so that the caller
can re-parse that frame with :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from decimal import Decimal

FLOAT_EXACT_LIMIT = float(2**50)
"""Above this many ticks a float may no longer name one integer: re-parse exactly."""


class InexactNumber(ValueError):
    """A float was too large to convert to ticks exactly (re-parse the frame with Decimal)."""


def decimals_of(text: str) -> int:
    """How many digits follow the dot in a decimal string (``"0.3513000" -> 7``)."""
    dot = text.find(".")
    return 0 if dot < 0 else len(text) - dot - 1


def str_ticks(text: str, scale: int) -> int:
    """The exact value of the decimal string ``text`` in units of ``10**-scale``.

    Raises :class:`ValueError` for a malformed string or one with non-zero digits beyond
    ``scale`` decimals (that value is not on the tick grid).
    """
    dot = text.find(".")
    if dot < 0:
        return int(text) * _pow10(scale)
    frac = len(text) - dot - 1
    digits = text[:dot] + text[dot + 1 :]
    if frac == scale:
        return int(digits)
    if frac < scale:
        return int(digits) * _pow10(scale - frac)
    if text[dot + 1 + scale :].strip("0"):
        raise ValueError(f"{text!r} has more than {scale} decimals")
    return int(digits[: len(digits) - (frac - scale)])


def _pow10(exponent: int) -> int:
    return int(10**exponent)


def float_ticks(value: float | int, scale: int) -> int:
    """Ticks of a JSON number parsed as a float; :class:`InexactNumber` if it may be inexact."""
    scaled = value * (10.0**scale)
    if not -FLOAT_EXACT_LIMIT < scaled < FLOAT_EXACT_LIMIT:
        raise InexactNumber(f"{value!r} at scale {scale} is too large for an exact float")
    return round(scaled)


def decimal_ticks(value: Decimal, scale: int) -> int:
    """Ticks of an exact decimal; :class:`ValueError` if it is not on the ``scale`` grid."""
    scaled = value.scaleb(scale)
    ticks = int(scaled)
    if scaled != ticks:
        raise ValueError(f"{value} has more than {scale} decimals")
    return ticks
