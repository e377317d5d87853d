"""The location registry: where holdings sit, and the table that maps raw labels onto it.

A location is a venue sub-account or a wallet (:class:`core.models.Location`): its venue, its
sub-account (spot, earn, staked, funding, futures, margin, wallet), its custody class
(exchange, software wallet, DeFi, cold, manual) and whether the cockpit can trade there.

Imports name locations however their source spells them ("Kraken Earn", "Ledger Wallets
Staked", "Okex Funding" *and* "OKX Funding", "Manually" in one CoinTracking export and
"No Exchange" in another). :data:`BUILTIN_LABELS` is the one table that maps such labels to
registry ids; users extend or override it in config::

    portfolio:
      locations:                 # new registry entries (or replacements, by id)
        - {id: "trezor:cold", venue: trezor, sub_account: wallet, custody: cold,
           tradable: false}
      location_labels:           # raw label -> location id (case and spacing ignored)
        "My Trezor": "trezor:cold"

Labels are matched case-insensitively with runs of whitespace (including non-breaking spaces)
collapsed. A label nobody mapped is not an error: it becomes an ``unmapped:<slug>`` location
(manual custody, not tradable) and the import reports it, so the user can add it to the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from core.models import Custody, Location, SubAccount

MANUAL_ID = "manual"
UNASSIGNED_ID = "cointracking:unassigned"
"""Where holdings from an export without locations (CoinTracking "Current Balance") go."""


def _loc(
    id: str,
    venue: str,
    sub: SubAccount,
    custody: Custody,
    label: str,
    *,
    tradable: bool = False,
) -> Location:
    return Location(
        id=id, venue=venue, sub_account=sub, custody=custody, tradable=tradable, label=label
    )


_EX, _SW, _DEFI, _COLD = Custody.EXCHANGE, Custody.SOFTWARE_WALLET, Custody.DEFI, Custody.COLD
_S = SubAccount

BUILTIN_LOCATIONS: tuple[Location, ...] = (
    # Exchanges the cockpit has an adapter for: their spot accounts are tradable.
    _loc("kraken:spot", "kraken", _S.SPOT, _EX, "Kraken", tradable=True),
    _loc("kraken:earn", "kraken", _S.EARN, _EX, "Kraken Earn"),
    _loc("binance:spot", "binance", _S.SPOT, _EX, "Binance", tradable=True),
    _loc("binance:earn", "binance", _S.EARN, _EX, "Binance Earn"),
    # Exchanges without an adapter: visible, not tradable from the cockpit.
    _loc("bitget:spot", "bitget", _S.SPOT, _EX, "Bitget Spot"),
    _loc("bitget:earn", "bitget", _S.EARN, _EX, "Bitget Earn"),
    _loc("bitget:futures", "bitget", _S.FUTURES, _EX, "Bitget Futures"),
    _loc("bitget:margin", "bitget", _S.MARGIN, _EX, "Bitget Margin"),
    _loc("coinbase:spot", "coinbase", _S.SPOT, _EX, "Coinbase"),
    _loc("okx:funding", "okx", _S.FUNDING, _EX, "OKX Funding"),
    _loc("poloniex:spot", "poloniex", _S.SPOT, _EX, "Poloniex"),
    _loc("swissborg:spot", "swissborg", _S.SPOT, _EX, "SwissBorg"),
    # Hardware wallets.
    _loc("ledger:cold", "ledger", _S.WALLET, _COLD, "Ledger Wallets"),
    _loc("ledger:staked", "ledger", _S.STAKED, _COLD, "Ledger Wallets Staked"),
    # Software wallets (browser, in-app, single-chain wallets imported from an address).
    _loc("metamask:bsc-std", "metamask", _S.WALLET, _SW, "Metamask - BSC - Std"),
    _loc("metamask:bsc-syl", "metamask", _S.WALLET, _SW, "Metamask - BSC - SYL"),
    _loc("metamask:eth", "metamask", _S.WALLET, _SW, "Metamask - ETH non secure"),
    _loc("metamask:matic", "metamask", _S.WALLET, _SW, "Metamask - Matic"),
    _loc("metamask:base", "metamask", _S.WALLET, _SW, "Metamask Base non secure"),
    _loc("solana:stepn", "solana", _S.WALLET, _SW, "Solana - StepN"),
    _loc("solana:stepn-2", "solana", _S.WALLET, _SW, "Solana - StepN 2"),
    _loc("solana:walken-elda", "solana", _S.WALLET, _SW, "Solana - Walken Elda"),
    _loc("solana:walken-jack", "solana", _S.WALLET, _SW, "Solana - Walken Jack"),
    _loc("dogecoin:wallet", "dogecoin", _S.WALLET, _SW, "DOGE Transaction"),
    _loc("ronin:wallet", "ronin", _S.WALLET, _SW, "RON Transaction"),
    _loc("signatum:wallet", "signatum", _S.WALLET, _SW, "Signatum"),
    _loc("vsync:wallet", "vsync", _S.WALLET, _SW, "Vsync"),
    # DeFi protocols holding deposits.
    _loc("anchor:defi", "anchor", _S.EARN, _DEFI, "Anchor"),
    _loc("hatom:defi", "hatom", _S.EARN, _DEFI, "Hatom"),
    _loc("nexus:defi", "nexus", _S.EARN, _DEFI, "Nexus Protocol"),
    # Entered by hand, and the bucket for exports that carry no location.
    _loc(MANUAL_ID, "manual", _S.WALLET, Custody.MANUAL, "Manually"),
    _loc(UNASSIGNED_ID, "cointracking", _S.WALLET, Custody.MANUAL, "CoinTracking (no location)"),
)

BUILTIN_LABELS: dict[str, str] = {
    **{loc.label: loc.id for loc in BUILTIN_LOCATIONS if loc.label},
    # Other spellings of the same places.
    "Okex Funding": "okx:funding",
    "No Exchange": MANUAL_ID,
    "Kraken Spot": "kraken:spot",
    "Binance Spot": "binance:spot",
    "Ledger": "ledger:cold",
}
"""Raw import label -> registry id. Users add to it with ``portfolio.location_labels``."""


def normalize_label(label: str) -> str:
    """Case-folded with whitespace runs (non-breaking spaces too) collapsed to one space."""
    return " ".join(label.replace("\u00a0", " ").split()).casefold()


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalize_label(label)).strip("-") or "unnamed"


class LocationRegistry:
    """Built-in locations and labels, extended (and overridden by id/label) from config."""

    def __init__(
        self,
        locations: Iterable[Location] = (),
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self._by_id: dict[str, Location] = {loc.id: loc for loc in BUILTIN_LOCATIONS}
        self._by_id.update({loc.id: loc for loc in locations})
        self._labels: dict[str, str] = {
            normalize_label(k): v for k, v in {**BUILTIN_LABELS, **(labels or {})}.items()
        }
        missing = sorted({v for v in self._labels.values() if v not in self._by_id})
        if missing:
            raise ValueError(f"label(s) point at unknown location id(s): {missing}")

    @property
    def locations(self) -> tuple[Location, ...]:
        """Every registered location, built-in first."""
        return tuple(self._by_id.values())

    def get(self, location_id: str) -> Location | None:
        """The location with this id, if registered."""
        return self._by_id.get(location_id)

    def lookup(self, label: str) -> Location | None:
        """The location a raw label maps to, or ``None`` when the table has no entry."""
        location_id = self._labels.get(normalize_label(label))
        return self._by_id[location_id] if location_id is not None else None

    def resolve(self, label: str) -> Location:
        """The location for a raw label; an ``unmapped:<slug>`` placeholder if unknown."""
        found = self.lookup(label)
        if found is not None:
            return found
        return Location(
            id=f"unmapped:{_slug(label)}",
            venue=_slug(label),
            sub_account=SubAccount.WALLET,
            custody=Custody.MANUAL,
            tradable=False,
            label=" ".join(label.replace("\u00a0", " ").split()),
        )

    def for_venue(self, venue: str, *, tradable: bool = True) -> Location:
        """The spot account of a configured venue (``sim-a:spot``), registered or implied."""
        location_id = f"{venue}:spot"
        return self._by_id.get(location_id) or Location(
            id=location_id,
            venue=venue,
            sub_account=SubAccount.SPOT,
            custody=Custody.EXCHANGE,
            tradable=tradable,
            label=venue,
        )

    @property
    def labels(self) -> dict[str, str]:
        """The normalised label table (for ``cockpit`` diagnostics and docs)."""
        return dict(self._labels)
