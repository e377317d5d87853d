"""Venue-safe client order ids: short ids pass, others become a stable UUID-5."""

from __future__ import annotations

import re
from decimal import Decimal

from core.execution.ids import venue_id, with_venue_id
from core.models import OrderRequest, OrderType, Side

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_short_ids_pass_and_long_ones_map_to_a_stable_uuid() -> None:
    assert venue_id("cli-0123456789ab") == "cli-0123456789ab"  # 16 characters
    plan_id = "plan-29eb0599d02d48fc-0001"  # 26: too long for Kraken's free text
    mapped = venue_id(plan_id)
    assert UUID.match(mapped) and venue_id(plan_id) == mapped  # same id, same UUID: idempotent
    assert venue_id(plan_id + "-t1") != mapped
    assert UUID.match(venue_id("bad id with spaces"))


def test_with_venue_id_keeps_the_original_only_when_replaced() -> None:
    request = OrderRequest(
        client_order_id="flat-1795491162340209000-sim-a-BTC",
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.SELL,
        type=OrderType.MARKET,
        qty=Decimal(1),
    )
    safe, original = with_venue_id(request)
    assert original == request.client_order_id and UUID.match(safe.client_order_id)
    assert safe.model_copy(update={"client_order_id": original}) == request
    short = request.model_copy(update={"client_order_id": "x1"})
    assert with_venue_id(short) == (short, None)
