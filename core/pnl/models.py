"""The typed answers of the P&L history (what ``cockpit pnl`` prints and the analytics screen
shows)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from core.models import Model


class AssetPnl(Model):
    """Average-cost P&L of one asset, in USD."""

    asset: str
    group: str
    qty: float = Field(description="Held now.")
    avg_cost_usd: float | None = Field(description="Average cost per unit (None: no basis).")
    realised_usd: float
    unrealised_usd: float | None = Field(description="None when the asset has no price/basis.")
    fees_usd: float
    fills: int
    complete: bool = Field(description="False when the fills do not cover the whole history.")
    note: str = ""


class GroupPnl(Model):
    """The assets of one group summed."""

    group: str
    realised_usd: float
    unrealised_usd: float
    fees_usd: float


class EquityPoint(Model):
    """The portfolio's value at the end of one UTC day and that day's return net of flows."""

    day: date
    equity_usd: float
    flow_usd: float = Field(description="Deposits (+) and withdrawals (-) that day.")
    day_return: float | None = Field(description="None on the first day.")


class PnlReport(Model):
    """Everything ``cockpit pnl`` prints."""

    since: date | None
    assets: tuple[AssetPnl, ...]
    groups: tuple[GroupPnl, ...]
    equity: tuple[EquityPoint, ...]
    twr: float | None = Field(description="Time-weighted return over the curve, net of flows.")
    realised_usd: float
    unrealised_usd: float
    fees_usd: float
    conventions: dict[str, str]


CONVENTIONS: dict[str, str] = {
    "cost_basis": "average cost per (base, quote); a sell books proceeds minus the average "
    "cost of the quantity sold; quote-currency figures converted to USD at today's price",
    "fees": "fees paid in the quote asset, in USD; fees in other assets are listed in notes",
    "equity": "the last stored portfolio snapshot of each UTC day",
    "flows": "a balance change that no fill explains is a deposit (+) or withdrawal (-), "
    "valued at that day's close",
    "twr": "daily returns r_d = (E_d - F_d) / E_(d-1) - 1 (a flow lands at the end of its "
    "day), compounded",
    "since": "realised P&L and fees from fills on or after the date; equity and TWR from it",
}
