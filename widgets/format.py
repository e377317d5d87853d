"""Number formatting for panes: exact-looking prices, compact money, signed percentages.

Gains and losses always carry a sign or an arrow as well as a colour, so the panes read the
same for colour-blind users and on monochrome terminals. The colour follows the figure as shown
(:func:`pct_tone`, :func:`pnl_tone`): a change that rounds to zero is neutral, not red or green.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

MASK = "•••••"
Tone = Literal["gain", "loss", "dim"]
"""The colour role of a change: up, down, or none (what shows as zero)."""
LOCATION_ID = re.compile(r"\b([A-Za-z][\w.-]*):(?=[\w.-])[^\s,;()]+")
"""A location or account id in free text: ``venue:account`` (``kraken:spot``, ``ledger:cold``)."""
AMOUNT = re.compile(r"\$?\d(?:[\d,.]*\d)?")
"""Numbers in free text (amounts, quantities, pids and uids), with an optional ``$``."""


def location(location_id: str, *, privacy: bool = False) -> str:
    """A location id; privacy mode keeps the venue and masks the account (``kraken:•••``).

    Ids have no spaces, so a summary such as ``3 loc`` is returned as it is.
    """
    if not privacy or " " in location_id:
        return location_id
    venue, sep, _ = location_id.partition(":")
    return f"{venue}:{MASK}" if sep else MASK


def mask_text(text: str) -> str:
    """Free text for privacy mode: account ids keep only their venue; every number is masked."""
    return AMOUNT.sub(MASK, LOCATION_ID.sub(lambda m: f"{m.group(1)}:{MASK}", text))


def money(value: Decimal | float | None, *, privacy: bool = False, width: int = 0) -> str:
    """USD amount: $1,234,567 / $12.3k style is avoided; whole dollars with separators."""
    if privacy:
        text = MASK
    elif value is None:
        text = "—"
    else:
        v = float(value)
        text = f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"
    return text.rjust(width) if width else text


def cents(value: Decimal | float | None, *, privacy: bool = False, width: int = 0) -> str:
    """USD to the cent (``$420,893.96``): a total a person compares with another view."""
    if privacy:
        text = MASK
    elif value is None:
        text = "—"
    else:
        text = f"${Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):,}"
    return text.rjust(width) if width else text


def pnl(
    value: Decimal | float | None, *, privacy: bool = False, width: int = 0, partial: bool = False
) -> str:
    """A gain or loss in compact USD, at most 7 cells: ▲+$950, ▼-$1.5k, ▲+$12k, ▲+$1.2M.

    The arrow gives the direction; a partial figure (P&L on only the part of a holding a cost
    basis covers) shows ``~`` in place of the sign: ``▲~$5.0k``.
    """
    if privacy:
        text = MASK
    elif value is None:
        text = "—"
    else:
        v = float(value)
        a = abs(v)
        if a >= 1e6:
            amount = f"{a / 1e6:.1f}M" if a < 1e7 else f"{a / 1e6:.0f}M"
        elif a >= 1e3:
            amount = f"{a / 1e3:.1f}k" if a < 1e4 else f"{a / 1e3:.0f}k"
        else:
            amount = f"{a:.2f}" if a < 10 else f"{a:.0f}"
        tone = pnl_tone(v)
        arrow = {"gain": "▲", "loss": "▼", "dim": " "}[tone]
        sign = "~" if partial else "-" if tone == "loss" else "+"
        text = f"{arrow}{sign}${amount}"
    return text.rjust(width) if width else text


def pnl_tone(value: Decimal | float | None) -> Tone:
    """``gain``, ``loss`` or ``dim`` (no change) for an amount as :func:`pnl` shows it: what
    shows as $0.00 is neither green nor red, whatever the sign of the unrounded amount."""
    return _tone(None if value is None else round(float(value), 2))


def pct_tone(fraction: float | None, *, digits: int = 1) -> Tone:
    """``gain``, ``loss`` or ``dim`` for a change as :func:`signed_pct` shows it with
    ``digits``: a change that rounds to 0.0% is neutral (no arrow, no colour)."""
    return _tone(None if fraction is None else round(fraction * 100, digits))


def _tone(shown: float | None) -> Tone:
    return "gain" if shown and shown > 0 else "loss" if shown and shown < 0 else "dim"


def price(value: Decimal | float | None, *, width: int = 0) -> str:
    """A price with enough significant digits for small-cap assets."""
    if value is None:
        text = "—"
    else:
        v = float(value)
        if v == 0:
            text = "0"
        elif abs(v) >= 1000:
            text = f"{v:,.2f}"
        elif abs(v) >= 1:
            text = f"{v:.4f}"
        else:
            # Plain digits, never an exponent: a memecoin reads 0.00000124 here as in the
            # fill log (3 significant digits below 1e-3 keep it within ten cells; six would
            # make 0.000101636, eleven).
            text = f"{v:.6g}" if abs(v) >= 1e-3 else f"{v:.{2 - math.floor(math.log10(abs(v)))}f}"
    return text.rjust(width) if width else text


def exact(value: Decimal) -> str:
    """A decimal as plain digits, without trailing zeros or an exponent (a fill log's
    quantities and prices: a memecoin fill is hundreds of millions of units)."""
    text = format(value.normalize(), "f")
    return text if value else "0"


def qty(value: Decimal | float | None, *, privacy: bool = False, width: int = 0) -> str:
    if privacy:
        text = MASK
    elif value is None:
        text = "—"
    else:
        v = float(value)
        if abs(v) >= 1_000_000:
            text = f"{v / 1_000_000:,.2f}M"
        elif abs(v) >= 1000:
            text = f"{v:,.0f}"
        elif abs(v) >= 1:
            text = f"{v:,.3f}"
        else:
            text = f"{v:.5f}"
    return text.rjust(width) if width else text


def signed_pct(fraction: float | None, *, width: int = 0, digits: int = 1) -> str:
    """A fraction as a signed percentage with an arrow: ▲ +1.2% / ▼ -0.4%."""
    if fraction is None:
        text = "—"
    else:
        pct = round(fraction * 100, digits)
        if pct == 0:  # what rounds to zero is shown as no change, never as ▼-0.0%
            text = f" {0:.{digits}f}%"
        else:
            arrow = "▲" if pct > 0 else "▼"
            text = f"{arrow}{pct:+.{digits}f}%"
    return text.rjust(width) if width else text


def pct(fraction: float | None, *, width: int = 0, digits: int = 1) -> str:
    text = "—" if fraction is None else f"{fraction * 100:.{digits}f}%"
    return text.rjust(width) if width else text


def age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 120:
        return f"{seconds:.0f}s"
    return f"{seconds / 60:.0f}m"
