"""The balances of every account the core reads: the portfolio's venue-side holdings source.

:class:`AccountBalances` polls each account (venues, paper accounts, extra accounts), keeps
the last known balances of one that cannot answer, reads the real balances behind paper
accounts (shown, never traded) and records snapshots in the store. It implements
:class:`~core.portfolio.service.HoldingsSources`, so the portfolio service reads it and
nothing else of the core.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from core.errors import ExchangeError
from core.models import ZERO, Balance, Location, utcnow
from core.ports import AccountPort, Venue
from core.store import Store
from core.store.portfolio import latest_balances


class AccountBalances:
    """The latest balances of the core's accounts, polled and recorded."""

    def __init__(
        self,
        accounts: Sequence[AccountPort],
        venues: Mapping[str, Venue],
        *,
        live: Iterable[str],
        warn: Callable[[str], object],
        polled: Callable[[], Awaitable[None]],
    ) -> None:
        self.accounts: list[AccountPort] = list(accounts)
        """The accounts whose balances the portfolio shows (paper mode swaps some in)."""
        self.latest: dict[tuple[str, str], Balance] = {}
        self.real: dict[tuple[str, str], Balance] = {}
        """Paper mode: the real balances of venues whose paper account the portfolio shows."""
        self.by_location: dict[str, Location] = {}
        self._venues = venues
        self._live = frozenset(live)
        self._warn = warn
        self._polled = polled
        self.store: Store | None = None
        """The store snapshots are recorded in, once the session has opened it."""
        self._recorded: dict[tuple[str, str], str] = {}
        """(location, asset) -> source of the last recorded balance snapshot."""

    def load_locations(self) -> None:
        """Learn every account's locations (at start, once the venues are loaded)."""
        for account in self.accounts:
            for loc in account.locations():
                self.by_location[loc.id] = loc

    async def poll(self) -> None:
        """Read every account's balances, then let the portfolio revalue."""
        fresh: dict[tuple[str, str], Balance] = {}
        for account in self.accounts:
            try:
                balances = await account.fetch_balances()
            except ExchangeError as exc:
                # A venue that cannot answer now keeps its last known balances (their as-of
                # time shows their age); one unreachable venue never stops the others.
                self._warn(str(exc))
                balances = [b for b in self.latest.values() if b.source == account.venue]
            for b in balances:
                fresh[(b.location_id, b.asset)] = b
        real = await self._poll_real()
        # No await from here on: whoever polled (an order's fill) sees balances and holdings
        # change together, before it logs what happened.
        self.latest = fresh
        self.real = real
        await self._polled()

    async def _poll_real(self) -> dict[tuple[str, str], Balance]:
        """The real balances of venues a paper account stands in for (shown, never traded)."""
        real: dict[tuple[str, str], Balance] = {}
        for venue in self._venues.values():
            if any(a is venue for a in self.accounts):
                continue
            try:
                balances: Sequence[Balance] = await venue.fetch_balances()
            except ExchangeError:
                balances = [b for b in self.real.values() if b.source == venue.venue]
            real.update(((b.location_id, b.asset), b) for b in balances)
        return real

    async def snapshot(self) -> None:
        """Poll, then record the balances in the store (once the session has opened it)."""
        await self.poll()
        if self.store is not None:
            self.record(self.store)

    async def load_recorded(self, store: Store) -> None:
        """Remember what the store last recorded (an asset gone since is recorded at zero)."""
        self._recorded = {
            (b.location_id, b.asset): b.source
            for b in await latest_balances(store)
            if b.location_id in self.by_location
        }

    def record(self, store: Store) -> None:
        """Store the balances as one snapshot: an asset gone from a location since the last
        one is recorded at zero, so the newest stored balances are what the pane shows."""
        now = utcnow()
        gone = [
            Balance(location_id=loc, asset=asset, total=ZERO, free=ZERO, ts=now, source=source)
            for (loc, asset), source in self._recorded.items()
            if (loc, asset) not in self.latest
        ]
        store.record_balances([*self.latest.values(), *gone])
        self._recorded = {key: b.source for key, b in self.latest.items()}

    # ------------------------------------------------------------------ HoldingsSources

    def balances(self) -> Iterable[Balance]:
        return self.latest.values()

    def real_balances(self) -> Iterable[Balance]:
        return self.real.values()

    def locations(self) -> Mapping[str, Location]:
        return self.by_location

    def live_locations(self) -> Iterable[str]:
        return {
            loc.id
            for account in self.accounts
            if account.venue in self._live
            for loc in account.locations()
        }
