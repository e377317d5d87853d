"""Single cells of a CoinTracking export, checked strictly: numbers, names and coin cells.

Each function takes a cell's text and returns its value or raises ``ValueError`` with a short
reason; :mod:`core.portfolio.ctparse` adds the file, line and column.

What a cell may hold, and why:

* **Numbers** use a dot decimal and may carry comma thousands groups, which one real export
  misplaces (``"3843,208.00000000"`` is 3 843 208); anything else (``"0,5"``, ``"1e5"``,
  ``"12x"``) is refused rather than guessed. A number may have at most
  :data:`MAX_SIGNIFICANT_DIGITS` significant digits and at most :data:`MAX_SIDE_DIGITS` digits
  either side of the point: CoinTracking writes 8 decimals, tokens with 18 decimals exist, and
  a 401-digit amount is corruption or an attack (it overflowed the exact valuation context).
* **Text** (tickers, names, types, location labels) may not contain control characters (NUL,
  tab, line breaks...) or invisible formatting characters: bidirectional overrides and
  isolates (U+202A–U+202E, U+2066–U+2069), marks (U+200E/U+200F, U+061C), zero-width
  characters (U+200B–U+200D, U+2060, U+FEFF), line/paragraph separators, private-use and
  surrogate code points. They make one name display as another ("BTC" reversed by U+202E) or
  corrupt terminals and spreadsheets. Non-breaking spaces are normal in CoinTracking
  (``"Coin\\u00a0(dead)"``) and are normalised to spaces.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

MAX_SIGNIFICANT_DIGITS = 40
"""Most significant digits a number may carry."""
MAX_SIDE_DIGITS = 30
"""Most digits before, and most after, the decimal point."""
_MAX_NUMBER_CHARS = 2 * MAX_SIDE_DIGITS + MAX_SIDE_DIGITS // 3 + 8  # digits, commas, sign, dot

_NUMBER_RE = re.compile(r"(?P<sign>[+-]?)(?P<int>\d+(?:,\d{3})*)(?:\.(?P<frac>\d+))?")
_PLAIN_RE = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?")
_COIN_CELL_RE = re.compile(r"(?P<sym>\S+)(?: \((?P<name>.*)\))? by Exchange")
# Unicode categories refused in text: controls, invisible format characters (bidi, zero
# width), line/paragraph separators, surrogates and private use.
_FORBIDDEN_CATEGORIES = {
    "Cc": "control character",
    "Cf": "invisible formatting character",
    "Zl": "line separator",
    "Zp": "paragraph separator",
    "Cs": "surrogate",
    "Co": "private-use character",
}
_BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def clean_text(value: str) -> str:
    """Non-breaking spaces to spaces, runs of whitespace collapsed, ends stripped."""
    return " ".join(value.replace("\u00a0", " ").split())


def forbidden_character(value: str) -> str | None:
    """Why ``value`` may not be used as a name (the first offending character), or None."""
    if value.isascii() and value.isprintable():
        return None  # the common case, checked in C
    for char in value:
        kind = _FORBIDDEN_CATEGORIES.get(unicodedata.category(char))
        if kind is not None:
            if ord(char) in _BIDI:
                kind = "bidirectional control character"
            return f"{kind} U+{ord(char):04X}"
    return None


@lru_cache(maxsize=8192)  # names repeat on every row of a long export
def check_text(value: str) -> str:
    """``value`` cleaned (see :func:`clean_text`); ValueError if it holds a forbidden character."""
    problem = forbidden_character(value)
    if problem is not None:
        raise ValueError(f"{problem} in {clean_text(value)[:40]!r}")
    return clean_text(value)


def parse_number(text: str) -> Decimal:
    """A CoinTracking number: dot decimal, optional comma thousands groups, sane precision.

    ValueError for anything else, including more than :data:`MAX_SIGNIFICANT_DIGITS`
    significant digits or more than :data:`MAX_SIDE_DIGITS` digits on either side of the point.
    """
    cell = text.replace("\u00a0", " ").strip()
    if len(cell) <= MAX_SIGNIFICANT_DIGITS and _PLAIN_RE.fullmatch(cell):
        return Decimal(cell)  # the common case: no separators, at most 40 digits
    if len(cell) > _MAX_NUMBER_CHARS:
        raise ValueError(
            f"number too long ({len(cell)} characters; at most {MAX_SIGNIFICANT_DIGITS} "
            f"significant digits)"
        )
    match = _NUMBER_RE.fullmatch(cell)
    if match is None:
        raise ValueError(f"bad number {text!r}")
    digits = match["int"].replace(",", "")
    frac = match["frac"] or ""
    significant = len((digits + frac).lstrip("0").rstrip("0") or "0")
    if len(digits.lstrip("0")) > MAX_SIDE_DIGITS or len(frac) > MAX_SIDE_DIGITS:
        raise ValueError(
            f"number out of range {cell[:24]!r}... (at most {MAX_SIDE_DIGITS} digits "
            "before and after the point)"
        )
    if significant > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(
            f"number too precise {cell[:24]!r}... ({significant} significant digits, "
            f"at most {MAX_SIGNIFICANT_DIGITS})"
        )
    return Decimal(f"{match['sign']}{digits}.{frac}" if frac else f"{match['sign']}{digits}")


def parse_coin_cell(text: str) -> tuple[str, str | None]:
    """``"SOL2 (Solana) by Exchange"`` → ``("SOL2", "Solana")``; ``"4BELT by Exchange"`` too."""
    match = _COIN_CELL_RE.fullmatch(check_text(text))
    if match is None:
        raise ValueError(f"expected 'SYMBOL (Name) by Exchange', found {text[:60]!r}")
    name = match["name"]
    return match["sym"], (name or None)
