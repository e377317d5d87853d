"""Record a short live sim session (journal on) and keep every state the core published."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.bootstrap import build_core
from core.config import Settings
from core.views import CockpitState
from tests.app.conftest import WAIT_S


def sim_settings(
    db: Path, journal_hz: float = 60, keyframe_s: float = 0.5, **ui: object
) -> Settings:
    return Settings.model_validate(
        {
            "sim": {"tick_hz": 50, "seed": 11},
            "store": {"path": str(db)},
            "journal": {"keyframe_s": keyframe_s, "max_hz": journal_hz},
            "ui": {"fps": 20, **ui},
        }
    )


async def record_session(
    db: Path,
    states: int = 40,
    journal_hz: float = 60,
    keyframe_s: float = 0.5,
    imports: tuple[Path, ...] = (),
) -> list[CockpitState]:
    """Run the real core until it has published ``states`` complete states; stop it.
    ``imports``: CoinTracking exports merged in (``portfolio.imports``)."""
    settings = sim_settings(db, journal_hz, keyframe_s)
    if imports:
        portfolio = settings.portfolio.model_copy(
            update={"imports": imports, "imports_allow_negative": True}
        )
        settings = settings.model_copy(update={"portfolio": portfolio})
    core = build_core(settings)
    live: list[CockpitState] = []
    enough = asyncio.Event()

    def capture(state: CockpitState) -> None:
        live.append(state)
        if state.risk is not None and len(live) >= states:
            enough.set()

    core.add_listener(capture)
    await core.start()
    try:
        await asyncio.wait_for(enough.wait(), WAIT_S)
    finally:
        await core.stop()
    return live
