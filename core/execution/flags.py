"""Small durable execution state in ``exec_flags``: one JSON payload per key.

The kill switch (``kill_switch``) and today's turnover (``turnover``) live here so a restart
resumes them: a kill switch engaged before a crash is still engaged after it, and the gate's
daily turnover cap still counts what was traded earlier the same day.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from core.models import ZERO
from core.store import Store

FLAG_UPSERT = "INSERT OR REPLACE INTO exec_flags (key, payload) VALUES (?, ?)"
FLAG_SELECT = "SELECT payload FROM exec_flags WHERE key = ?"
TURNOVER_KEY = "turnover"


async def load_flag(store: Store, key: str) -> Any | None:
    """The decoded payload stored under ``key``, or ``None`` if there is none."""
    rows = await store.fetch_all(FLAG_SELECT, (key,))
    return json.loads(rows[0][0]) if rows else None


async def save_flag(store: Store, key: str, payload: object) -> None:
    """Store ``payload`` under ``key`` and wait until it is committed."""
    await store.add_durable(FLAG_UPSERT, (key, json.dumps(payload)))


class Turnover:
    """Today's traded notional in USD, for the gate's daily cap; it starts again each UTC day."""

    def __init__(self, store: Store, today: date) -> None:
        self.store = store
        self.day = today
        self.usd = ZERO

    async def load(self) -> None:
        """Resume the stored total if it was written today."""
        data = await load_flag(self.store, TURNOVER_KEY)
        if data is not None and data["day"] == self.day.isoformat():
            self.usd = Decimal(data["usd"])

    def add(self, usd: Decimal, today: date) -> None:
        """Count a fill worth ``usd``; the row is queued with the store's next commit."""
        if today != self.day:
            self.day, self.usd = today, ZERO
        self.usd += usd
        payload = {"day": today.isoformat(), "usd": str(self.usd)}
        self.store.add(FLAG_UPSERT, (TURNOVER_KEY, json.dumps(payload)))

    def on(self, today: date) -> Decimal:
        """The total traded on ``today`` (zero once the day has turned)."""
        return self.usd if today == self.day else ZERO
