"""The real CoinTracking portfolio (seed fixture) as holdings per location, and synthetic venues.

Locations are mapped by hand from the 15 CoinTracking location names: exchanges become
tradable spot accounts, 'Binance Earn' a non-tradable earn account, Bittrex (closed) a
read-only venue, wallets and cold storage non-tradable custody.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from core.models import (
    BookSnapshot,
    Custody,
    Holding,
    Instrument,
    Location,
    Price,
    PriceSource,
    SubAccount,
)
from tests.plan.synth import NOW, markets

BALANCES = "seed-origin/plan_and_risk_outputs/balances_ctapi_with_locations.json"
TAXONOMY = "seed-origin/taxonomy_aliases.2025-11-11.json"

EXCHANGES = {
    "Binance": "binance",
    "Kraken": "kraken",
    "Bitget Spot": "bitget",
    "Swissborg": "swissborg",
    "Bittrex": "bittrex",
}


def location_for(name: str) -> Location:
    if name in EXCHANGES:
        venue = EXCHANGES[name]
        return Location(id=f"{venue}:spot", venue=venue, label=name)
    if name == "Binance Earn":
        return Location(
            id="binance:earn",
            venue="binance",
            sub_account=SubAccount.EARN,
            tradable=False,
            label=name,
        )
    if name == "Ledger Wallets":
        return Location(
            id="ledger:cold",
            venue="ledger",
            custody=Custody.COLD,
            sub_account=SubAccount.WALLET,
            tradable=False,
            label=name,
        )
    if name == "CoinTracking":
        return Location(id="manual", venue="manual", custody=Custody.MANUAL, tradable=False)
    slug = name.lower().replace(" - ", "-").replace(" ", "-")
    return Location(
        id=f"wallet:{slug}",
        venue=slug,
        custody=Custody.SOFTWARE_WALLET,
        sub_account=SubAccount.WALLET,
        tradable=False,
        label=name,
    )


def load_portfolio(shared: Path) -> tuple[list[Holding], list[Location], dict[str, Decimal]]:
    """Holdings (price = value/amount), their locations, and the USD price of every asset."""
    items = json.loads((shared / BALANCES).read_text())["items"]
    taxonomy = json.loads((shared / TAXONOMY).read_text())
    holdings, locations, prices = [], {}, {}
    for item in items:
        loc = location_for(item["location"])
        locations[loc.id] = loc
        qty = Decimal(str(item["amount"]))
        value = Decimal(str(item["value_usd"]))
        symbol = item["symbol"]
        price = value / qty if qty else None
        if price is not None:
            prices[symbol] = price
        holdings.append(
            Holding(
                asset=symbol,
                location_id=loc.id,
                qty=qty,
                price=Price(asset=symbol, value=price, source=PriceSource.IMPORT, ts=NOW),
                group=taxonomy.get(symbol.upper(), "Others"),
            )
        )
    return holdings, sorted(locations.values(), key=lambda loc: loc.id), prices


def venues_for(
    holdings: list[Holding], prices: dict[str, Decimal], *, no_market: frozenset[str]
) -> tuple[list[Instrument], list[BookSnapshot]]:
    """Synthetic markets: every priced asset worth > $20 trades against USDT on binance and
    kraken, and against USD on kraken; the venue each is held on lists it too. Assets in
    ``no_market`` trade nowhere; XMR and ZEC trade only against BTC (two-leg routes)."""
    usd = dict(prices)
    usd.update({"USDT": Decimal(1), "USD": Decimal(1), "USDC": Decimal(1)})
    specs: set[tuple[str, str, str]] = set()
    for venue in ("binance", "kraken", "bitget", "swissborg", "bittrex"):
        specs.add((venue, "BTC", "USDT"))
        specs.add((venue, "ETH", "USDT"))
    specs.add(("kraken", "BTC", "USD"))
    for h in holdings:
        a = h.asset
        if a in no_market or a in ("USDT", "USD", "USDC") or a not in prices:
            continue
        if a in ("XMR", "ZEC"):
            specs.add(("kraken", a, "BTC"))
            continue
        specs.add(("binance", a, "USDT"))
        specs.add(("kraken", a, "USDT"))
        specs.add(("kraken", a, "USD"))
        venue = EXCHANGES.get(h.location_id.split(":")[0].title(), h.location_id.split(":")[0])
        if venue in EXCHANGES.values():
            specs.add((venue, a, "USDT"))
    return markets(sorted(specs), usd)
