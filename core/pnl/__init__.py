"""P&L history: realised and unrealised P&L per asset and group, fees, the daily equity curve
and its time-weighted return net of deposits and withdrawals.

``flows`` finds deposits and withdrawals (a balance change no fill explains), ``equity`` builds
the daily curve and the time-weighted return, ``positions`` the average-cost P&L per asset and
group, ``stored`` reads all of it from a cockpit database (read-only). ``performance`` is the
analytics screen's answer (equity, drawdown, monthly returns, P&L, attribution, and the
``backtests`` panel).
"""

from core.pnl.equity import daily_equity, time_weighted
from core.pnl.flows import Flow, balance_flows
from core.pnl.models import AssetPnl, EquityPoint, GroupPnl, PnlReport
from core.pnl.positions import asset_pnl, group_pnl

__all__ = [
    "AssetPnl",
    "EquityPoint",
    "Flow",
    "GroupPnl",
    "PnlReport",
    "asset_pnl",
    "balance_flows",
    "daily_equity",
    "group_pnl",
    "time_weighted",
]
