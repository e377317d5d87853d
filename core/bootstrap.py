"""Build a :class:`~core.service.Core` from settings: the core's own composition.

Used by the TUI's composition root, the daemon and headless commands alike, so every entry
point runs the same wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.config import Settings
from core.errors import ConfigError, ConfigProblem
from core.portfolio.stored import SIM_WALLET
from core.ports import AccountPort, Venue
from core.service import Core
from core.session import HistorySource
from core.store import Store
from core.store.closes import SIM_SOURCE


def taxonomy_group_of(settings: Settings) -> Callable[[str], str]:
    """The one taxonomy (packaged aliases + the user's overrides) as a symbol -> group map."""
    from functools import cache

    from core.portfolio.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.portfolio.taxonomy.overrides)

    @cache
    def group_of(asset: str) -> str:
        return taxonomy.classify(asset).group

    return group_of


@dataclass(frozen=True, slots=True)
class VenueSet:
    """The venues of a configuration, the extra accounts, and the simulator's history."""

    venues: list[Venue]
    accounts: list[AccountPort]
    history: HistorySource | None


def build_venues(settings: Settings) -> VenueSet:
    """The enabled venues: sim venues share one simulated world; ``kraken`` and ``binance``
    venues are live (:mod:`core.venues`), public market data needing no keys."""
    enabled = [v for v in settings.venues if v.enabled]
    if not enabled:
        raise ConfigError("config", [ConfigProblem("venues", "no enabled venue")])
    venues: list[Venue] = []
    accounts: list[AccountPort] = []
    history: HistorySource | None = None
    sims = [v.name for v in enabled if v.kind == "sim"]
    if sims:
        from core.sim.demo import demo_balances
        from core.sim.venue import SimVenue, SimWallet
        from core.sim.world import SimWorld

        world = SimWorld(settings.sim, sims)
        per_venue, wallet = demo_balances(world, sims)
        venues.extend(SimVenue(world, name, per_venue[name]) for name in sims)
        accounts.append(SimWallet(SIM_WALLET, wallet))
        history = HistorySource(SIM_SOURCE, world.daily_closes)
    live = [v for v in enabled if v.kind in ("kraken", "binance")]
    if live:
        from core.venues.factory import build_live_venue

        venues.extend(build_live_venue(v) for v in live)
    others = [v for v in enabled if v.kind not in ("sim", "kraken", "binance")]
    if others:
        raise ConfigError(
            "config",
            [
                ConfigProblem(
                    f"venues.{v.name}.kind", f"venue kind {v.kind!r} is not available yet"
                )
                for v in others
            ],
        )
    return VenueSet(venues, accounts, history)


def build_core(settings: Settings, *, store: Store | None = None) -> Core:
    """The core for ``settings`` on the venues of :func:`build_venues`."""
    built = build_venues(settings)
    core = Core(
        settings,
        built.venues,
        accounts=built.accounts,
        group_of=taxonomy_group_of(settings),
        history=built.history,
        store=store,
    )
    from core.alerts import AlertMonitor
    from core.journal import StateJournal

    StateJournal.attach(core)  # the flight recorder: every session is replayable
    AlertMonitor.attach(core)
    return core
