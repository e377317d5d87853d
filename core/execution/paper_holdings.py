"""What a live venue holds in paper mode: the paper account where it trades, real elsewhere.

In paper mode a live venue's (Kraken, Binance through ccxt) orders go to its paper account,
seeded from the venue's real spot balances. The holdings pane shows what trades, so at the
venue's spot location it shows the paper account; the venue's other locations (earn, staking,
futures) are never paper-traded and keep their real balances, read by REST. The real spot
balances stay visible apart, labelled, out of the total (the core reads the venue itself for
that line, as it does for a simulated venue behind its paper account).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from core.errors import ExchangeError
from core.execution.paper_venue import PaperVenue
from core.models import Balance, Location
from core.ports import AccountPort

log = logging.getLogger(__name__)


class LivePaperHoldings:
    """The account port the portfolio reads for a live venue in paper mode."""

    def __init__(
        self, paper: PaperVenue, real: AccountPort, *, waiting: Callable[[], bool]
    ) -> None:
        self.venue = real.venue
        self.paper = paper
        """The paper account (what trades), whose fills give the holdings their cost basis."""
        self.real = real
        self._waiting = waiting
        self._last_real: list[Balance] = []

    def locations(self) -> Sequence[Location]:
        return self.real.locations()

    async def fetch_balances(self) -> Sequence[Balance]:
        """The paper account at the spot location, the real balances everywhere else.

        Until the paper account has its starting balances (the venue not read yet) the real
        ones show, with their own source; a venue that cannot answer keeps its last known
        real balances (its as-of time shows their age) and the paper account still shows.
        """
        try:
            self._last_real = list(await self.real.fetch_balances())
        except ExchangeError as exc:
            log.warning("%s: real balances not read (%s); keeping the last ones", self.venue, exc)
        if self._waiting():
            return list(self._last_real)
        spot = self.paper.location.id
        others = [b for b in self._last_real if b.location_id != spot]
        return [*others, *await self.paper.fetch_balances()]
