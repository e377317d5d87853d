"""The paper accounts of a paper-mode core: opened from the store, seeded, matched.

In paper mode (the default) every venue's orders go to a
:class:`~core.execution.paper_venue.PaperVenue` over that venue's own books. Its account is
persisted in the store (``paper_state`` and ``paper_orders``) and resumed on the next start;
a new account starts from the venue's real spot balances. A simulated venue is seeded at once;
a live venue's balances are read by the first paper tick instead, so start-up never waits on
(or fails with) a venue's REST API, and an account whose balances cannot be read is retried
on every tick until it can.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from core.errors import CockpitError
from core.execution.paper_venue import LatencyModel, PaperVenue, Persist
from core.execution.settings import PaperConfig
from core.models import EventKind, EventLevel, Instrument, LogEvent, Order, utcnow
from core.store import Store
from core.store.db import to_ns

PAPER_UPSERT = "INSERT OR REPLACE INTO paper_state (venue, updated_ns, payload) VALUES (?, ?, ?)"
PAPER_ORDER_UPSERT = (
    "INSERT OR REPLACE INTO paper_orders (venue, client_order_id, payload) VALUES (?, ?, ?)"
)


def persist_to(store: Store) -> Persist:
    """A paper account's persistence into ``store``: account and changed orders, one commit."""

    async def persist(venue: str, state: str, changed: Sequence[Order]) -> None:
        store.add(PAPER_UPSERT, (venue, to_ns(utcnow()), state))
        for order in changed:
            row = (venue, order.client_order_id, order.model_dump_json())
            store.add(PAPER_ORDER_UPSERT, row)
        await store.flush()

    return persist


class PaperAccounts:
    """One paper venue per real venue, and those still waiting for starting balances."""

    def __init__(
        self,
        store: Store,
        config: PaperConfig,
        *,
        rng: random.Random,
        emit: Callable[[LogEvent], None],
    ) -> None:
        self.store = store
        self.config = config
        self.venues: dict[str, PaperVenue] = {}
        self.unseeded: dict[str, Any] = {}
        """Paper venues whose starting balances could not be read yet -> their source."""
        self._rng = rng
        self._emit = emit

    async def open(
        self, name: str, source: Any, instruments: Iterable[Instrument], *, sim: bool
    ) -> PaperVenue:
        """The paper venue over ``source``'s books, resumed from the store or started anew.

        A new account on a simulated venue (``sim``) is seeded now; on a live venue it waits
        for :meth:`tick`.
        """
        store = self.store
        rows = await store.fetch_all("SELECT payload FROM paper_state WHERE venue = ?", (name,))
        orders = [
            Order.model_validate_json(p)
            for (p,) in await store.fetch_all(
                "SELECT payload FROM paper_orders WHERE venue = ?", (name,)
            )
        ]
        p = self.config
        paper = PaperVenue(
            name,
            lambda symbol: source.book(symbol, 50),
            {i.symbol: i for i in instruments if i.venue == name},
            {},
            latency=LatencyModel(p.latency_ms, p.jitter_ms, seed=self._rng.randrange(1 << 30)),
            persist=persist_to(store),
            state=rows[0][0] if rows else None,
            orders=orders,
        )
        if not rows:
            if sim:
                await self.seed(paper, source)
            else:
                # A live account is read by the first paper tick, not here: start-up never
                # waits on (or fails with) a venue's REST API.
                self.unseeded[name] = source
        self.venues[name] = paper
        return paper

    async def seed(self, paper: PaperVenue, source: Any) -> None:
        """Start a new paper account from the venue's spot balances (retried until it works).

        An account that was waiting and got its balances another way while the venue was
        being asked (seeded by hand) keeps them: the late answer is dropped.
        """
        waiting = paper.venue in self.unseeded
        try:
            balances = await source.fetch_balances()
        except CockpitError as exc:
            self._emit(
                LogEvent(
                    ts=utcnow(),
                    kind=EventKind.SYSTEM,
                    level=EventLevel.WARNING,
                    message=f"paper {paper.venue}: cannot read balances to start from ({exc}); "
                    "retrying",
                    venue=paper.venue,
                )
            )
            self.unseeded[paper.venue] = source
            return
        if waiting and paper.venue not in self.unseeded:
            return
        spot = paper.location.id
        await paper.seed({b.asset: b.total for b in balances if b.location_id == spot})
        self.unseeded.pop(paper.venue, None)

    async def tick(self) -> None:
        """Seed the accounts still waiting, then fill resting orders the books trade through."""
        for name, source in list(self.unseeded.items()):
            await self.seed(self.venues[name], source)
        for paper in self.venues.values():
            await paper.check_resting()
