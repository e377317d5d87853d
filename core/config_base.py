"""What every configuration section shares: the 11 asset groups and the frozen, strict base.

A leaf module: the sections that live beside the code they configure
(:mod:`core.risk.settings`, :mod:`core.execution.settings`, :mod:`core.daemon.settings`) and
the settings root (:mod:`core.config`) all import it, and it imports none of them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

GROUPS: tuple[str, ...] = (
    "BTC",
    "ETH",
    "Stablecoins",
    "SOL",
    "L1/L0 majors",
    "L2/Scaling",
    "DeFi",
    "AI/Data",
    "Gaming/NFT",
    "Memecoins",
    "Others",
)
"""The 11 asset groups, in display order and exact spelling."""


class Section(BaseModel):
    """A configuration section: immutable once loaded, and an unknown key is an error.

    Numbers are finite: every interval, rate and timeout comes from here, and a NaN or an
    infinite one would reach a sleep (a NaN sleep stops every timer of the event loop)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
