"""Paper mode on a live venue: the holdings show the paper account (what trades) and, apart
and labelled, the real balances beside it (issue 11), read by REST from the loopback Binance.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.bootstrap import build_core
from core.config import Settings
from core.venues.loopback import BinanceLoopback


async def test_a_live_venue_in_paper_mode_shows_its_paper_account_and_the_real_beside_it(
    tmp_path: Path,
    binance_exchange_info: str,
    binance_depth: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    secrets_in_use: tuple[str, ...],
) -> None:
    key, secret = secrets_in_use[2], secrets_in_use[3]
    monkeypatch.setenv("TEST_BINANCE_KEY", key)
    monkeypatch.setenv("TEST_BINANCE_SECRET", secret)
    real = {"USDT": Decimal(5000), "NKN": Decimal(800), "LDBTC": Decimal("0.05")}
    async with BinanceLoopback(
        binance_exchange_info, binance_depth, api_key=key, balances=dict(real)
    ) as rest:
        settings = Settings.model_validate(
            {
                "mode": "paper",
                "venues": [
                    {
                        "name": "bn",
                        "kind": "binance",
                        "ws_url": "ws://127.0.0.1:9",  # no book needed: balances are REST
                        "rest_url": rest.url,
                        "symbols": ["NKN/USDT"],
                        "api_key_env": "TEST_BINANCE_KEY",
                        "api_secret_env": "TEST_BINANCE_SECRET",
                    }
                ],
                "store": {"path": str(tmp_path / "c.db")},
                "portfolio": {"prices": {"USDT": 1, "NKN": "0.05", "BTC": 60000}},
            }
        )
        core = build_core(settings)
        await core.start()
        try:
            service = core.execution
            assert service is not None and service.papers is not None
            await service.papers.tick()  # the paper account starts from the real spot balances
            assert "bn" not in service.unseeded
            # The real account moves on its own (a deposit); the paper account does not.
            rest.balances["USDT"] = Decimal(7000)
            await core.balances.poll()
            view = core.analytics.holdings
            assert view is not None
            rows = {(r.asset, r.location_id): (r.source, r.qty) for r in view.rows}
            assert rows == {
                ("USDT", "bn:spot"): ("paper:bn", Decimal(5000)),
                ("NKN", "bn:spot"): ("paper:bn", Decimal(800)),
                # Earn is never paper-traded: its real balance, with its real source.
                ("BTC", "bn:earn"): ("bn", Decimal("0.05")),
            }
            assert view.total == Decimal(5000) + Decimal(40) + Decimal(3000)
            # Beside the rows, labelled and out of the total: the real account, as it is now.
            (beside,) = view.real
            assert beside.source == "bn" and beside.rows == 3
            assert beside.value == Decimal(7000) + Decimal(40) + Decimal(3000)
            assert ("GET", "/api/v3/account") in rest.requests
        finally:
            await core.stop()
