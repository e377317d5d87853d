"""The cockpit's three palettes: dark, light, and a colour-blind-safe one (blue/orange).

Panes take every colour from theme variables ($success for gains and bids, $error for losses
and asks, $warning for stale data), so switching the theme recolours everything at once.
"""

from __future__ import annotations

from textual.theme import Theme

THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="cockpit-dark",
        primary="#4FA3F7",
        secondary="#8B9BB4",
        accent="#F2C14E",
        foreground="#D8DEE9",
        background="#0F141A",
        surface="#151C24",
        panel="#1D2630",
        success="#3FB950",
        warning="#E3B341",
        error="#F85149",
        dark=True,
    ),
    "light": Theme(
        name="cockpit-light",
        primary="#0B63C4",
        secondary="#5B6B82",
        accent="#9A6700",
        foreground="#1F2328",
        background="#FAFBFC",
        surface="#F0F2F5",
        panel="#E3E7EC",
        success="#1A7F37",
        warning="#9A6700",
        error="#CF222E",
        dark=False,
    ),
    "colorblind": Theme(
        name="cockpit-colorblind",
        primary="#56B4E9",
        secondary="#999999",
        accent="#F0E442",
        foreground="#E6E6E6",
        background="#101418",
        surface="#161B21",
        panel="#20262E",
        success="#0072B2",
        warning="#F0E442",
        error="#E69F00",
        dark=True,
    ),
}
"""Config name -> Textual theme. Okabe–Ito blue/orange replace green/red in 'colorblind'."""

ORDER = tuple(THEMES)
