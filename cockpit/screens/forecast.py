"""ForecastScreen: the risk pane's forecast VaR against realised losses, full size; ``f``.

It shows the forecast the core last published (``RiskView.forecast``): the chart widget in
line-series mode (VaR 99 and 95 % lines over the day's realised loss, exceedances of the 99 %
VaR marked) under the backtest badges. A forecast changes once a day, so the screen keeps the
snapshot it opened with.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from core.risk.forecast.views import ForecastView
from widgets import format as fmt
from widgets.chart import Chart
from widgets.forecast_lines import ZONE_MARK, badge, forecast_plot
from widgets.key_hints import KeyHints


class ForecastScreen(Screen[None]):
    """Forecast VaR/ES of the configured model, its backtest and the chart of its days."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f,q", "close", "Close", id="forecast.close"),
    ]
    DEFAULT_CSS = """
    ForecastScreen { layout: vertical; }
    ForecastScreen #forecast-summary { height: auto; padding: 0 1; }
    ForecastScreen Chart { border: round $primary; border-title-color: $primary; }
    ForecastScreen #forecast-help { height: 1; color: $text-muted; }
    """

    def __init__(self, view: ForecastView) -> None:
        super().__init__()
        self.view = view
        self.chart = Chart(id="forecast-chart")

    def compose(self) -> ComposeResult:
        yield Static(self.summary(), id="forecast-summary")
        yield self.chart
        yield KeyHints(id="forecast-help")

    def summary(self) -> Text:
        """Tomorrow's VaR/ES per level and the backtest badges, zone coloured and marked."""
        view = self.view
        text = Text(f"Forecast · {view.model}", style="bold")
        if view.note is not None:
            text.append(f"  {view.note}")
            return text
        for key, tail in view.forecast.items():
            text.append(
                f"   next-day {key} %: VaR {fmt.pct(tail.var, digits=2)}"
                f", ES {fmt.pct(tail.es, digits=2)}"
            )
        theme = self.app.theme_variables
        colour = {
            "green": theme.get("success", "green"),
            "yellow": theme.get("warning", "yellow"),
            "red": theme.get("error", "red"),
        }
        for bt in view.backtests.values():
            text.append("\n")
            text.append(f"{ZONE_MARK[bt.zone]} ", style=f"bold {colour[bt.zone]}")
            text.append(
                badge(bt) + f" · {bt.exceedances}/{bt.n_forecasts} days · Christoffersen cc p "
                f"{bt.christoffersen_cc_p:.2f} · ES test p "
                + ("n/a" if bt.mcneil_frey_p is None else f"{bt.mcneil_frey_p:.2f}")
                + f" · last {bt.zone_days} d: {bt.zone_exceedances}"
            )
        return text

    def on_mount(self) -> None:
        self.chart.border_title = "Forecast VaR vs realised loss"
        self.chart.show_series(forecast_plot(self.view), title=self.view.model)
        self.chart.focus()

    def action_close(self) -> None:
        self.dismiss()
