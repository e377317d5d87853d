"""Plan presets as backtests: schedules, regime shifts, optimisers, and no look-ahead."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from core.backtest import BacktestSettings, RebalanceRule, parse_rule
from core.backtest.presets import preset_strategy, run_preset, shifted
from core.config import Settings
from core.errors import DataError
from core.plan.spec import CalendarPreset, OptimiserPreset, RegimePreset
from core.risk.history import PriceHistory
from tests.risk.conftest import read_ftx

SYMBOLS = ("BTC-USD", "ETH-USD", "BNB-USD", "XRP-USD", "LTC-USD")
BASE = {"BTC-USD": 0.4, "ETH-USD": 0.3, "BNB-USD": 0.1, "XRP-USD": 0.1, "LTC-USD": 0.1}
FAST_REGIME = RegimePreset(
    trend_days=20,
    vol_days=10,
    shifts={
        "bear_calm": {"BTC": Decimal(-10), "Stablecoins": Decimal(10)},
        "bear_stormy": {"BTC": Decimal(-20), "ETH": Decimal(-10), "Stablecoins": Decimal(30)},
        "bull_calm": {"BTC": Decimal(5), "Others": Decimal(-5)},
        "bull_stormy": {},
    },
)


@pytest.fixture(scope="module")
def history(shared_data: Path) -> PriceHistory:
    return PriceHistory.from_series({s: read_ftx(shared_data, s) for s in SYMBOLS})


def _app(**presets: object) -> Settings:
    app = Settings()
    merged = {**app.targets.presets, **presets}
    return app.model_copy(update={"targets": app.targets.model_copy(update={"presets": merged})})


def _perturbed(history: PriceHistory, row: int, seed: int) -> PriceHistory:
    """The same history with every close from ``row`` on scrambled."""
    closes = history.closes.copy()
    rng = np.random.default_rng(seed)
    closes[row:] *= rng.uniform(0.3, 3.0, closes[row:].shape)
    return PriceHistory(history.symbols, history.times, closes, history.bar_seconds)


@pytest.mark.parametrize(
    "preset",
    [
        OptimiserPreset(method="min_variance", window_days=60, max_weight=Decimal("0.5")),
        OptimiserPreset(method="max_sharpe", window_days=90, max_weight=Decimal("0.6")),
        OptimiserPreset(method="erc", window_days=60),
        OptimiserPreset(method="hrp", window_days=60),
        FAST_REGIME,
    ],
    ids=["min_variance", "max_sharpe", "erc", "hrp", "regime"],
)
def test_targets_at_a_row_use_only_earlier_rows(history: PriceHistory, preset: object) -> None:
    rule = parse_rule("every:15")
    _, targets = preset_strategy(history, BASE, preset, rule, Settings())  # type: ignore[arg-type]
    assert targets is not None
    for cut in (120, 250, 400):
        _, future = preset_strategy(
            _perturbed(history, cut, cut),
            BASE,
            preset,  # type: ignore[arg-type]
            rule,
            Settings(),
        )
        assert future is not None
        for row in range(0, cut + 1, 15):
            np.testing.assert_array_equal(targets(row), future(row))
        # and the future does change later targets (the check has teeth)
        later = range(cut + 15, history.closes.shape[0], 15)
        assert any(not np.array_equal(targets(r), future(r)) for r in later)


def test_preset_backtest_equity_before_a_change_is_unchanged(history: PriceHistory) -> None:
    app = _app(fast=OptimiserPreset(method="min_variance", window_days=60))
    settings = BacktestSettings(fee_rate=0.001)
    rule = parse_rule("monthly")
    base = run_preset(history, BASE, "fast", rule, settings, app).strategy
    cut = 300
    moved = run_preset(_perturbed(history, cut, 1), BASE, "fast", rule, settings, app).strategy
    np.testing.assert_array_equal(base.equity[:cut], moved.equity[:cut])
    assert base.equity[cut] != moved.equity[cut]
    # re-estimated: the weights differ from one month to the next
    buys = {int(r) for r in base.orders.row[base.orders.shares > 0]}
    assert len(buys) > 10


def test_optimiser_holds_the_base_weights_until_its_window_is_full(
    history: PriceHistory,
) -> None:
    preset = OptimiserPreset(method="min_variance", window_days=60)
    _, targets = preset_strategy(history, BASE, preset, parse_rule("monthly"), Settings())
    assert targets is not None
    np.testing.assert_array_equal(targets(60), list(BASE.values()))
    w = targets(61)
    assert w.sum() == pytest.approx(1.0) and (w <= 0.35 + 1e-9).all()
    assert not np.allclose(w, list(BASE.values()))


def test_regime_shift_spreads_over_the_group_and_leaves_the_rest_in_cash() -> None:
    groups = ["BTC", "ETH", "Others", "Others"]
    w = np.array([0.4, 0.3, 0.2, 0.1])
    out = shifted(w, groups, {"BTC": Decimal(-20), "Stablecoins": Decimal(20)})
    assert out.tolist() == pytest.approx([0.2, 0.3, 0.2, 0.1])  # 20 % left in cash
    out = shifted(w, groups, {"Others": Decimal(6), "ETH": Decimal(-6)})
    assert out.tolist() == pytest.approx([0.4, 0.24, 0.24, 0.12])


def test_regime_backtest_moves_to_cash_in_a_bear_market(history: PriceHistory) -> None:
    app = _app(fast=FAST_REGIME)
    report = run_preset(history, BASE, "fast", parse_rule("every:7"), BacktestSettings(), app)
    cash_share = report.strategy.cash / report.strategy.equity
    assert cash_share.max() > 0.09  # the 2022 bear market parked part of it in cash
    assert cash_share[:20].max() < 1e-9  # nothing shifts during the warm-up


def test_calendar_and_threshold_presets_choose_the_rule(history: PriceHistory) -> None:
    app = Settings()
    rule, targets = preset_strategy(
        history, BASE, CalendarPreset(every="weekly"), parse_rule("hold"), app
    )
    assert rule.kind == "weekly" and targets is None
    report = run_preset(
        history, BASE, "bands", parse_rule("hold"), BacktestSettings(), app
    ).strategy
    assert report.name == "bands"
    weekly = run_preset(
        history, BASE, "fixed", RebalanceRule("weekly"), BacktestSettings(), app
    ).strategy
    mondays = (weekly.times[weekly.rebalance_rows[1:]] // 86_400 + 3) % 7
    assert (mondays == 0).all()  # every rebalance after the first is on a Monday
    rule, _ = preset_strategy(history, BASE, app.targets.presets["bands"], parse_rule("hold"), app)
    assert rule.kind == "bands" and rule.band == 0.02  # the config's 2 points


def test_unknown_preset_is_named(history: PriceHistory) -> None:
    with pytest.raises(DataError, match="unknown preset 'nope'"):
        run_preset(history, BASE, "nope", parse_rule("hold"), BacktestSettings(), Settings())
