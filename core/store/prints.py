"""Which market prints are stored: every print of a real venue, a sample of a simulator's.

The simulator prints ~20 trades a second on its default markets; stored at that rate they
were a tenth of the database's growth, for a tape that its seed can regenerate. A simulated
venue's prints are therefore kept at most one per market per ``store.sim_print_interval_s``
of print time (0 keeps every one); real venues' prints are all kept. Replay does not read
this table (the journal carries what the UI showed, the print events included).

Sans-I/O: prints in, the ones to store out, paced by the prints' own timestamps.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from core.models import Trade


class PrintSampler:
    """Thins out the prints of ``sampled`` venues to one per market per ``interval_s``."""

    def __init__(self, sampled: Collection[str], interval_s: float) -> None:
        self._sampled = frozenset(sampled)
        self._interval = timedelta(seconds=interval_s)
        self._last: dict[tuple[str, str], datetime] = {}

    def keep(self, trades: Iterable[Trade]) -> list[Trade]:
        if not self._sampled or not self._interval:
            return list(trades)
        out: list[Trade] = []
        for trade in trades:
            if trade.venue in self._sampled:
                key = (trade.venue, trade.symbol)
                last = self._last.get(key)
                if last is not None and trade.ts - last < self._interval:
                    continue
                self._last[key] = trade.ts
            out.append(trade)
        return out
