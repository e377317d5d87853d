"""Stress scenarios on real prices: replays match the files, gains are gains, gaps are reported."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.config import Settings
from core.risk import HOUR, PriceHistory
from core.risk.settings import RiskConfig
from core.risk.stress import (
    HISTORICAL_WINDOWS,
    HYPOTHETICAL_SCENARIOS,
    HistoricalWindow,
    replay,
    run_stress,
    shock,
)
from tests.risk.conftest import read_ftx, read_yahoo

DAY_S = 86_400


def _close_on(points: list[tuple[int, float]], day: date) -> float:
    """The close of the daily candle labelled ``day`` (its open time is midnight UTC)."""
    stamp = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    return dict(points)[stamp]


def _window(name: str) -> HistoricalWindow:
    return next(w for w in HISTORICAL_WINDOWS if w.name == name)


def test_luna_replay_matches_the_price_files(shared_data: Path, ftx_history: PriceHistory) -> None:
    w = {"BTC-USD": 0.5, "ETH-USD": 0.3, "AAVE-USD": 0.2}
    groups = {"BTC-USD": "BTC", "ETH-USD": "ETH", "AAVE-USD": "DeFi"}
    luna = _window("LUNA/UST")
    result = replay(ftx_history, w, luna, groups)
    expected = 0.0
    for symbol, weight in w.items():
        points = read_ftx(shared_data, symbol)
        # from the close before the first day to the close of the last day
        move = _close_on(points, luna.end) / _close_on(points, luna.start - timedelta(1)) - 1
        assert result.group_contributions[groups[symbol]] == pytest.approx(weight * move)
        expected += weight * move
    assert result.portfolio_return == pytest.approx(expected)
    assert result.portfolio_return < -0.15  # a loss is negative
    assert result.covered_weight == 1.0 and result.uncovered == () and result.proxied == ()
    assert result.kind == "historical" and result.start == datetime(2022, 5, 5, tzinfo=UTC)


def test_windows_without_history_are_reported_not_zero(ftx_history: PriceHistory) -> None:
    w = {"BTC-USD": 0.7, "ETH-USD": 0.3}
    results = {r.name: r for r in run_stress(ftx_history, w)}
    for name in ("2018 bear", "COVID crash", "FTX collapse", "USDC/SVB", "5 Aug 2024"):
        assert results[name].portfolio_return is None
        assert results[name].uncovered == ("BTC-USD", "ETH-USD")
        assert results[name].uncovered_weight == pytest.approx(1.0)
    for name in ("May-Jul 2021", "LUNA/UST", "3AC/Celsius"):
        assert results[name].portfolio_return is not None
        assert results[name].portfolio_return < 0


def test_asset_without_history_takes_its_group_peers_move(shared_data: Path) -> None:
    symbols = ("BTC-USD", "SAND-USD", "MANA-USD")
    h = PriceHistory.from_series({s: read_ftx(shared_data, s) for s in symbols})
    groups = {"BTC-USD": "BTC", "SAND-USD": "Gaming/NFT", "MANA-USD": "Gaming/NFT"}
    may = _window("May-Jul 2021")  # MANA-USD was only listed on FTX in September 2021
    result = replay(h, {"BTC-USD": 0.6, "MANA-USD": 0.4}, may, groups)
    sand = read_ftx(shared_data, "SAND-USD")
    sand_move = _close_on(sand, may.end) / _close_on(sand, may.start - timedelta(1)) - 1
    assert result.proxied == ("MANA-USD",) and result.proxied_weight == pytest.approx(0.4)
    assert result.covered_weight == pytest.approx(0.6)
    assert result.group_contributions["Gaming/NFT"] == pytest.approx(0.4 * sand_move)
    # without a peer in its group the asset is left out and the rest is rescaled, not padded
    alone = replay(h, {"BTC-USD": 0.6, "MANA-USD": 0.4}, may, {"MANA-USD": "Memecoins"})
    btc = read_ftx(shared_data, "BTC-USD")
    btc_move = _close_on(btc, may.end) / _close_on(btc, may.start - timedelta(1)) - 1
    assert alone.uncovered == ("MANA-USD",) and alone.uncovered_weight == pytest.approx(0.4)
    assert alone.portfolio_return == pytest.approx(btc_move)


def test_later_episodes_replay_on_the_seed_price_history(shared_data: Path) -> None:
    folder = shared_data / "seed-origin" / "price_history"
    series = {
        s: [(int(t), float(c)) for t, c in json.loads((folder / f"{s}_1d.json").read_text())]
        for s in ("BTC", "ETH", "SOL")
    }
    h = PriceHistory.from_series(series)
    w = {"BTC": 0.5, "ETH": 0.3, "SOL": 0.2}
    results = {r.name: r for r in run_stress(h, w)}
    for name in ("FTX collapse", "USDC/SVB", "5 Aug 2024", "3AC/Celsius"):
        window = _window(name)
        expected = sum(
            wt
            * (
                _close_on(series[s], window.end) / _close_on(series[s], window.start - timedelta(1))
                - 1
            )
            for s, wt in w.items()
        )
        assert results[name].portfolio_return == pytest.approx(expected), name
        assert results[name].covered_weight == pytest.approx(1.0)
    assert results["FTX collapse"].group_contributions["SOL"] < -0.05  # SOL was FTX's darling
    assert results["2018 bear"].portfolio_return is None


def test_hourly_replay_uses_the_hour_closes(shared_data: Path, yahoo_history: PriceHistory) -> None:
    crash = _window("5 Aug 2024")
    result = replay(yahoo_history, {"BTC": 1.0}, crash)
    closes = dict(read_yahoo(shared_data, "BTC"))
    start = datetime(2024, 8, 2, tzinfo=UTC)
    base = closes[start - timedelta(hours=1)]  # the 23:00 bar closes at midnight
    last = closes[start + timedelta(days=4) - timedelta(hours=1)]
    assert result.portfolio_return == pytest.approx(last / base - 1)
    assert result.portfolio_return < 0
    assert yahoo_history.bar_seconds == HOUR


def test_shocks_sign_and_cover_assets_without_history() -> None:
    w = {"BTC": 0.5, "USDC": 0.2, "NEWCOIN": 0.3}
    groups = {"NEWCOIN": "Memecoins"}
    by_name = {s.name: s for s in HYPOTHETICAL_SCENARIOS}
    crash = shock(w, by_name["Crypto crash"], groups)
    rally = shock(w, by_name["Risk-on rally"], groups)
    assert crash.portfolio_return == pytest.approx(0.5 * -0.5 + 0.2 * 0.0 + 0.3 * -0.85)
    assert rally.portfolio_return == pytest.approx(0.5 * 0.3 + 0.3 * 1.0)
    assert rally.portfolio_return > 0 > crash.portfolio_return
    assert crash.covered_weight == 1.0 and crash.group_contributions["Stablecoins"] == 0.0


def test_user_scenarios_from_config() -> None:
    cfg = Settings.model_validate(
        {"risk": {"scenarios": [
            {"name": "ETH unlock", "group_shocks": {"ETH": -0.3}, "asset_shocks": {"LDO": -0.5}},
            {"name": "Memes moon", "group_shocks": {"Memecoins": 2.0}, "default_shock": 0.0},
        ]}}
    ).risk  # fmt: skip
    w = {"ETH": 0.5, "LDO": 0.2, "DOGE": 0.3}
    groups = {"LDO": "DeFi", "DOGE": "Memecoins"}
    h = PriceHistory.from_series({})
    results = {r.name: r for r in run_stress(h, w, groups, cfg.scenarios)}
    unlock = results["ETH unlock"]
    assert unlock.kind == "user"
    # DOGE has no move in this scenario and no default: left out, the rest rescaled
    assert unlock.uncovered == ("DOGE",)
    assert unlock.portfolio_return == pytest.approx((0.5 * -0.3 + 0.2 * -0.5) / 0.7)
    assert results["Memes moon"].portfolio_return == pytest.approx(0.3 * 2.0)


def test_bad_user_scenarios_are_config_errors() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="unknown group"):
        RiskConfig.model_validate({"scenarios": [{"name": "x", "group_shocks": {"Meme": -1}}]})
    with pytest.raises(ValidationError, match=">= -1"):
        RiskConfig.model_validate({"scenarios": [{"name": "x", "asset_shocks": {"BTC": -2}}]})
    with pytest.raises(ValidationError, match="duplicate scenario"):
        RiskConfig.model_validate({"scenarios": [{"name": "x"}, {"name": "x"}]})
