"""The risk pane's forecast on the sim: figures, backtest badge and mini chart in the pane,
``f`` opens the chart widget with forecast VaR against realised loss, exceedances marked."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cockpit.screens.forecast import ForecastScreen
from core.config import Settings
from tests.app.conftest import press, running_app, wait_until
from widgets.forecast_lines import badge, forecast_plot
from widgets.risk_panel import RiskPanel


def pane_text(panel: RiskPanel) -> str:
    return "\n".join(panel.line_text(i) for i in range(panel.line_count))


async def test_forecast_section_badge_and_chart_on_the_sim(
    settings: Settings, tmp_path: Path
) -> None:
    async with running_app(settings, size=(160, 48)) as (app, pilot):
        risk = app.main.query_one(RiskPanel)
        await wait_until(
            pilot,
            lambda: (
                risk.view is not None
                and risk.view.forecast is not None
                and "Forecast" in pane_text(risk)
            ),
            "the forecast in the risk pane",
        )
        assert risk.view is not None and risk.view.forecast is not None
        view = risk.view.forecast
        assert view.model == settings.risk.forecast.model and view.note is None
        assert set(view.forecast) == {"95", "99"} and set(view.backtests) == {"95", "99"}
        assert 0 < view.forecast["95"].var < view.forecast["99"].var < view.forecast["99"].es
        bt = view.backtests["99"]
        assert bt.n_forecasts == len(view.days) or len(view.days) == 250
        assert (
            bt.exceedances == sum(1 for d in view.days if d.loss > d.var_99)
            or len(view.days) < bt.n_forecasts
        )

        text = pane_text(risk)
        assert f"Forecast · {view.model}" in text
        assert re.search(r"99%\s+\d+\.\d\d%\s+\d+\.\d\d%", text.split("Forecast")[1])
        assert re.search(r"99% \d+\.\d% exceed", text)
        assert re.search(rf"Kupiec p {bt.kupiec_p:.2f}\s*\S {bt.zone}", text)
        assert "VaR99 vs loss" in text

        shots = os.environ.get("FORECAST_SVG_DIR", str(tmp_path))
        app.save_screenshot(filename="risk-pane.svg", path=shots)
        await press(pilot, "2", "f")
        await wait_until(pilot, lambda: isinstance(app.screen, ForecastScreen), "the chart")
        screen = app.screen
        assert isinstance(screen, ForecastScreen)
        await wait_until(pilot, lambda: screen.chart.frames > 0, "the chart drawn")
        plot = forecast_plot(view)
        assert screen.chart.series == plot
        assert plot.marks == tuple(i for i, d in enumerate(view.days) if d.loss > d.var_99)
        canvas = screen.chart.draw(160, 40)
        drawn = "".join("".join(row) for row in canvas.chars)
        visible = [i for i in plot.marks if i >= len(plot.labels) - (160 - 11)]
        assert drawn.count("✖") >= len(visible)
        assert "VaR 99" in screen.chart.readout + "".join(canvas.chars[0])
        summary = str(screen.summary())
        assert badge(bt) in summary
        svg = app.save_screenshot(filename="forecast.svg", path=shots)
        assert svg.endswith("forecast.svg")
        await press(pilot, "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ForecastScreen), "closed")
