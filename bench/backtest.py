"""Benchmark: one backtest and a 1,000-configuration sweep, against vectorbt in the same run.

    python bench/backtest.py [--assets 50] [--days 1460] [--repeat 3] [--skip-sweep-peer]

Prices are synthetic (a seeded one-factor market, 50 assets x 1,460 days by default: the
shared real data has neither that many assets nor that many days in one set); the equality
with vectorbt on real data is proven in ``tests/backtest/test_vectorbt.py``.

* **One backtest**: 50 assets, weekly rebalancing (``every:7``), 0.1 % fees, 5 bps slippage.
  Ours is the engine (``core.backtest.engine.simulate``: orders and equity curve) and, apart,
  ``run_backtest`` with the three benchmarks and the risk figures; vectorbt is
  ``Portfolio.from_orders(size_type="targetpercent", group_by=True, cash_sharing=True,
  call_seq="auto")`` plus ``value()``.
* **Sweep**: 10 band widths x 10 check periods x 10 fee levels = 1,000 configurations. Ours is
  ``run_sweep`` (one pass, figures included). vectorbt has no band rule in ``from_orders``, so
  it is handed each configuration's rebalance rows as our sweep decided them, as 1,000 groups of
  50 columns in one call, then ``value()``: it does less work than ours.
* **Whole process**: ``cockpit backtest --prices ... --weights ... --rebalance monthly --json``
  as a subprocess, start to exit (wall time, and the child's CPU time).

Both sides are warmed first (numba compiled, caches hot); the figures are medians of
``--repeat`` runs, and the ratio is vectorbt's median over ours (> 1: ours is faster).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.backtest import BacktestSettings, parse_rule, run_backtest
from core.backtest.engine import simulate
from core.backtest.rules import calendar_rows
from core.backtest.sweep import SweepGrid, run_sweep, simulate_many
from core.risk.history import DAY, PriceHistory

START = 1_609_459_200  # 2021-01-01 UTC
BANDS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3)
PERIODS = (1, 2, 3, 5, 7, 10, 14, 21, 30, 60)
FEES = (0.0, 0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.004, 0.005, 0.01)


def make_market(n_assets: int, n_days: int, seed: int = 7) -> tuple[PriceHistory, np.ndarray]:
    """Closes of a one-factor market (BTC the factor, alts loading on it with t(4) noise)
    and Pareto-distributed target weights."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_t(4, n_days - 1) * 0.025
    loadings = rng.uniform(0.6, 1.6, n_assets)
    noise = rng.standard_t(4, (n_days - 1, n_assets)) * rng.uniform(0.01, 0.04, n_assets)
    loadings[0], noise[:, 0] = 1.0, 0.0
    rets = np.clip(factor[:, None] * loadings + noise, -0.6, 2.0)
    closes = rng.uniform(0.1, 500, n_assets) * np.vstack(
        [np.ones(n_assets), np.cumprod(1.0 + rets, axis=0)]
    )
    times = START + DAY * np.arange(n_days, dtype=np.int64)
    symbols = ("BTC", *(f"A{i:03d}" for i in range(1, n_assets)))
    raw = rng.pareto(1.5, n_assets) + 0.1
    return PriceHistory(symbols, times, closes), raw / raw.sum()


CPU: dict[int, float] = {}
"""CPU seconds (this process) of the last :func:`timed` call, by id of its function."""


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs after one warm-up run, and the last result; the
    median CPU time goes to :data:`CPU` (on a busy machine it is the steadier figure)."""
    out = fn()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[id(fn)] = statistics.median(cpu)
    return statistics.median(times), out


def one_backtest(history: PriceHistory, weights: np.ndarray, repeat: int) -> None:
    import vectorbt as vbt

    settings = BacktestSettings(fee_rate=0.001, slippage_bps=5)
    rule = parse_rule("every:7")
    w = dict(zip(history.symbols, weights.tolist(), strict=True))
    frame = pd.DataFrame(history.closes, columns=list(history.symbols))
    size = np.full(frame.shape, np.nan)
    size[calendar_rows(history.times, rule)] = weights

    def ours() -> np.ndarray:
        return simulate(history.closes, history.times, lambda _r: weights, rule, settings).equity

    def peer() -> np.ndarray:
        pf = vbt.Portfolio.from_orders(
            frame, size=size, size_type="targetpercent", group_by=True, cash_sharing=True,
            call_seq="auto", fees=0.001, slippage=0.0005, init_cash=10_000.0,
        )  # fmt: skip
        return np.asarray(pf.value().to_numpy())

    t_ours, eq_ours = timed(ours, repeat)
    t_peer, eq_peer = timed(peer, repeat)
    c_ours, c_peer = CPU[id(ours)], CPU[id(peer)]
    t_full, _ = timed(lambda: run_backtest(history, w, rule, settings), repeat)
    gap = float(np.max(np.abs(eq_ours / eq_peer - 1)))
    shape = f"{history.closes.shape[1]} assets x {history.closes.shape[0]} days"
    print(f"one backtest, {shape}, every:7")
    print(
        f"  ours (engine: orders + equity)   {t_ours * 1e3:9.2f} ms wall {c_ours * 1e3:8.2f} ms CPU"
    )
    print(
        f"  vectorbt (from_orders + value)   {t_peer * 1e3:9.2f} ms wall {c_peer * 1e3:8.2f} ms CPU"
    )
    print(
        f"  ratio vectorbt / ours            {t_peer / t_ours:9.2f}x wall "
        f"{c_peer / c_ours:6.2f}x CPU"
        f"   (max rel diff {gap:.1e})"
    )
    print(f"  ours run_backtest (+3 benchmarks, risk figures) {t_full * 1e3:.2f} ms wall")


def sweep(history: PriceHistory, weights: np.ndarray, repeat: int, skip_peer: bool) -> None:
    grid = SweepGrid(BANDS, PERIODS, FEES)
    settings = BacktestSettings(slippage_bps=5)
    w = dict(zip(history.symbols, weights.tolist(), strict=True))

    def ours() -> Any:
        return run_sweep(history, w, grid, settings)

    t_ours, result = timed(ours, repeat)
    c_ours = CPU[id(ours)]
    print(f"sweep, {grid.size} configurations ({len(BANDS)} bands x {len(PERIODS)} periods x "
          f"{len(FEES)} fees)")  # fmt: skip
    print(f"  ours (run_sweep, one pass, figures included)    {t_ours * 1e3:9.1f} ms wall "
          f"{c_ours * 1e3:9.1f} ms CPU")  # fmt: skip
    if skip_peer:
        return
    import vectorbt as vbt

    band, period, fee = grid.columns()
    t, a = history.closes.shape
    k = grid.size
    rebalanced = np.zeros((t, k), dtype=bool)
    simulate_many(history.closes, weights, band, period, fee, settings, rebalanced)
    frame = pd.DataFrame(np.tile(history.closes, (1, k)))
    size = np.where(np.repeat(rebalanced, a, axis=1), np.tile(weights, k), np.nan)
    fees = np.repeat(fee, a)[None, :]
    groups = np.repeat(np.arange(k), a)

    def peer() -> np.ndarray:
        pf = vbt.Portfolio.from_orders(
            frame, size=size, size_type="targetpercent", group_by=groups, cash_sharing=True,
            call_seq="auto", fees=fees, slippage=0.0005, init_cash=10_000.0,
        )  # fmt: skip
        return np.asarray(pf.value().to_numpy())

    t_peer, value = timed(peer, repeat)
    c_peer = CPU[id(peer)]
    gap = float(np.max(np.abs(result.equity / value - 1)))
    print(f"  vectorbt (from_orders, given the rows, + value) {t_peer * 1e3:9.1f} ms wall "
          f"{c_peer * 1e3:9.1f} ms CPU")  # fmt: skip
    print(
        f"  ratio vectorbt / ours                           {t_peer / t_ours:9.2f}x wall "
        f"{c_peer / c_ours:6.2f}x CPU   (max rel diff of the {k} equity curves {gap:.1e})"
    )


def whole_process(history: PriceHistory, weights: np.ndarray, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        prices = Path(tmp) / "prices.csv"
        days = pd.to_datetime(history.times, unit="s").strftime("%Y-%m-%d")
        pd.DataFrame(history.closes, columns=list(history.symbols), index=days).rename_axis(
            "date"
        ).to_csv(prices)
        wfile = Path(tmp) / "weights.json"
        wfile.write_text(json.dumps(dict(zip(history.symbols, weights.tolist(), strict=True))))
        cockpit = Path(sys.executable).with_name("cockpit")
        cmd = [str(cockpit), "backtest", "--prices", str(prices), "--weights", str(wfile),
               "--rebalance", "monthly", "--fees", "0.001", "--json"]  # fmt: skip

        cpu: list[float] = []

        def run() -> None:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

        t_proc, _ = timed(run, repeat)
    print(f"whole process: cockpit backtest --rebalance monthly --json, "
          f"{history.closes.shape[1]} assets x {history.closes.shape[0]} days")  # fmt: skip
    print(
        f"  median {t_proc:.3f} s wall, {statistics.median(cpu[1:]):.3f} s CPU (user + sys; "
        f"the wall time includes waiting for a core on a busy machine; target < 1 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=50)
    parser.add_argument("--days", type=int, default=1460)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-sweep-peer", action="store_true")
    args = parser.parse_args()
    history, weights = make_market(args.assets, args.days)
    one_backtest(history, weights, args.repeat)
    sweep(history, weights, args.repeat, args.skip_sweep_peer)
    whole_process(history, weights, max(args.repeat, 5))


if __name__ == "__main__":
    main()
