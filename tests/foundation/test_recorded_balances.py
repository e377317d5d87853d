"""The balances a core records are what its holdings pane shows: an asset that left a location
is recorded at zero, so ``cockpit holdings`` (newest stored balance per location and asset)
never shows a position the pane no longer has."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from core.bootstrap import build_core
from core.config import Settings
from core.models import Balance, utcnow
from core.store import Store
from core.store.portfolio import latest_balances


async def test_a_position_gone_since_the_last_session_is_recorded_at_zero(tmp_path: Path) -> None:
    settings = Settings.model_validate({"store": {"path": str(tmp_path / "c.db")}})
    store = await Store.open(settings.db_path())
    stale = Balance(
        location_id="sim-a:spot",
        asset="GONE",
        total=Decimal(7),
        free=Decimal(7),
        ts=utcnow() - timedelta(days=1),
        source="sim-a",
    )
    elsewhere = stale.model_copy(update={"location_id": "kraken:spot", "source": "kraken"})
    store.record_balances([stale, elsewhere])
    await store.close()

    core = build_core(settings)
    await core.start()
    try:
        assert core.store is not None
        await core.store.flush()
        latest = {(b.location_id, b.asset): b for b in await latest_balances(core.store)}
        shown = set(core.balances.latest)
    finally:
        await core.stop()
    # The sim account no longer holds GONE: zero recorded, so it is not among the newest.
    assert ("sim-a:spot", "GONE") not in latest
    assert shown <= set(latest)
    # A location this core does not report on keeps what was stored there.
    assert latest[("kraken:spot", "GONE")].total == 7
