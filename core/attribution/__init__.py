"""Brinson–Fachler performance attribution: single periods, linking, and the segment file.

``brinson`` splits one period's active return into allocation, selection and interaction per
segment; ``linking`` links periods (Carino by default, Menchero as an option) so the effects
sum to the cumulative active return; ``files`` reads ``cockpit attribution --segments``;
``recorded`` attributes the recorded portfolio against the targets, ``backtest`` a backtest
against holding its weights.
"""

from core.attribution.brinson import (
    Attribution,
    LinkedAttribution,
    PeriodAttribution,
    SegmentEffects,
    SegmentInput,
    attribute_period,
)
from core.attribution.linking import LINK_METHODS, LinkMethod, attribute, link, roll_up

__all__ = [
    "LINK_METHODS",
    "Attribution",
    "LinkMethod",
    "LinkedAttribution",
    "PeriodAttribution",
    "SegmentEffects",
    "SegmentInput",
    "attribute",
    "attribute_period",
    "link",
    "roll_up",
]
