"""Client order ids every venue accepts, derived deterministically from the requested id.

Kraken takes a UUID or at most 18 characters of free text; Binance 1-36 characters of
``A-Z a-z 0-9 . : / _ -``. An id that satisfies both is sent as it is; any other (a plan's
``plan-<hash>-0001``, a TWAP child, a flatten order) is replaced by a UUID-5 of itself. The
mapping is a pure function, so a retry or a re-placement of the same requested id always yields
the same venue id, and idempotency holds across restarts.
"""

from __future__ import annotations

import re
import uuid

from core.models import OrderRequest

_SHORT = re.compile(r"^[A-Za-z0-9._:/-]{1,18}$")
_NAMESPACE = uuid.UUID("6f1c1f0e-8d4e-5a4b-9c3e-2f7a0c1b9d11")


def venue_safe(client_order_id: str) -> bool:
    return bool(_SHORT.match(client_order_id))


def venue_id(client_order_id: str) -> str:
    """``client_order_id`` itself if every venue accepts it, else its UUID-5."""
    if venue_safe(client_order_id):
        return client_order_id
    return str(uuid.uuid5(_NAMESPACE, client_order_id))


def with_venue_id(request: OrderRequest) -> tuple[OrderRequest, str | None]:
    """The request under a venue-safe id, and the original id when it was replaced."""
    safe = venue_id(request.client_order_id)
    if safe == request.client_order_id:
        return request, None
    return request.model_copy(update={"client_order_id": safe}), request.client_order_id
