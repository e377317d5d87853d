"""PlanDiff: the current rebalancing plan: drift per group against its band, and its orders.

Top: plan id, preset, as-of and expiry, and whether the plan is stale (then it cannot be sent).
Then one row per group (now %, target %, drift with a bar and the band marked, weight after
the plan), the order list (venue, market, side, quantity, limit price, notional, estimated fee)
and the totals (sells, buys, fees, net cash against what the targets asked, residual drift).

Keys post intent messages up; the screen turns them into core commands: ``r`` regenerate,
``P`` switch to the next target preset, ``x`` send the plan to execution (refused here when
the plan is stale or missing, so a stale plan never reaches the confirm step).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from core.models import Side, utcnow
from core.plan.models import PlanOrder
from core.views import PlanGroupRow, PlanView
from widgets import format as fmt
from widgets.line_pane import LinePane
from widgets.plan_outcome import net_verdict, outcome_lines

NUMBER = re.compile(r"\$?\d[\d,.]*")
"""Amounts inside free text, masked in privacy mode."""
BAR_HALF = 8
"""Cells on each side of the centre of a drift bar."""
BAR_SCALE_PP = 10.0
"""Percentage points shown by a full half-bar."""


class PlanDiff(LinePane):
    """The plan diff: drift per group against its band, the orders, costs and residual drift."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "regenerate", "Regenerate", id="plan.regenerate", tooltip="build a new plan"),
        Binding("P", "next_preset", "Preset", id="plan.preset", tooltip="next target preset"),
        Binding("x", "send", "Send plan", id="plan.send", tooltip="send (refused when stale)"),
    ]
    header_lines = 1

    class Regenerate(Message):
        """Build a new plan (with ``preset`` first selected, when given)."""

        def __init__(self, preset: str | None = None) -> None:
            super().__init__()
            self.preset = preset

    class SendRequested(Message):
        """The user asked to send the plan ``plan_id`` (fresh when posted)."""

        def __init__(self, plan_id: str) -> None:
            super().__init__()
            self.plan_id = plan_id

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: PlanView | None = None
        self.privacy = False
        self.refusal: str | None = None
        self.stale_prices = 0
        """Holdings whose price is stale or missing: the plan's weights rest on them."""

    def update_view(self, view: PlanView | None, *, privacy: bool = False) -> None:
        if view is None or self.view is None or view.plan_id != self.view.plan_id:
            self.refusal = None
        self.view = view
        self.privacy = privacy
        self._rebuild()

    def set_stale_prices(self, count: int) -> None:
        """Say (under the group rows) how many holding prices the weights rest on are stale."""
        if count != self.stale_prices:
            self.stale_prices = count
            self._rebuild()

    # --------------------------------------------------------------- actions

    def action_regenerate(self) -> None:
        self.post_message(self.Regenerate())

    def action_next_preset(self) -> None:
        view = self.view
        if view is None or not view.presets:
            return
        index = view.presets.index(view.preset) if view.preset in view.presets else -1
        self.post_message(self.Regenerate(view.presets[(index + 1) % len(view.presets)]))

    def action_send(self) -> None:
        """Ask to send the plan, unless there is none or it is stale (then say why)."""
        view = self.view
        if view is None or view.plan_id is None:
            self.refusal = "no plan to send"
        elif view.executed:
            self.refusal = "plan already executed (it runs once): press r for a new plan"
        elif view.orders and all(o.indicative for o in view.orders):
            venues = ", ".join(sorted({o.venue for o in view.orders}))
            self.refusal = f"indicative plan (no live book at {venues}): never sent"
        elif self.is_stale(view):
            why = "; ".join(view.stale_reasons) or "expired"
            self.refusal = f"stale plan cannot be sent ({why}): press r"
        else:
            self.refusal = None
            self.post_message(self.SendRequested(view.plan_id))
        self._rebuild()

    @staticmethod
    def is_stale(view: PlanView) -> bool:
        expired = view.expires_at is not None and utcnow() >= view.expires_at
        return view.stale or expired

    # --------------------------------------------------------------- rendering

    def _rebuild(self) -> None:
        head = Text(
            f"{'Group':<13} {'Now':>6} {'Target':>6} {'Drift':>7}  "
            f"{'under ◄│► over':^{2 * BAR_HALF + 1}} {'After':>6}",
            style=self.style_of("header"),
        )
        view = self.view
        if view is None:
            self.border_subtitle = ""
            self.set_lines([head, Text("waiting for holdings…", style=self.style_of("dim"))])
            return
        self.border_subtitle = self._subtitle(view)
        lines = [head, self._status(view)]
        if view.totals is not None:
            # What matters without scrolling: how many orders, what they cost, the net.
            t = view.totals
            lines.append(
                Text(
                    f"{len(view.orders)} orders · turnover "
                    f"{fmt.money(t.turnover_usd, privacy=self.privacy)} · fees "
                    f"{fmt.money(t.fees_usd, privacy=self.privacy)} · net "
                    f"{fmt.money(t.net_usd, privacy=self.privacy)}",
                    style=self.style_of("accent"),
                )
            )
        if self.refusal:
            lines.append(Text(f"✗ {self.refusal}", style=self.style_of("loss")))
        if view.error:
            lines.append(Text(f"no plan: {view.error}", style=self.style_of("loss")))
        if view.outcome is not None:
            lines.extend(outcome_lines(view.outcome, self.style_of, self._mask))
            if view.plan_id is not None and view.plan_id != view.outcome.plan_id:
                lines.append(Text(f"current plan {view.plan_id}:", style=self.style_of("header")))
        lines.extend(self._row(row) for row in view.groups)
        out = sum(1 for r in view.groups if r.out_of_band)
        lines.append(
            Text(
                f"{out} group(s) out of band"
                + (
                    f" · turnover to target {fmt.money(view.turnover, privacy=self.privacy)}"
                    if view.totals is None
                    else ""
                ),
                style=self.style_of("stale" if out else "dim"),
            )
        )
        if self.stale_prices:
            lines.append(
                Text(
                    f"! weights use {self.stale_prices} stale or missing price(s)",
                    style=self.style_of("stale"),
                )
            )
        if view.plan_id is not None:
            lines.extend(self._orders(view))
            lines.extend(self._totals(view))
            lines.extend(self._not_orders(view))
        lines.extend(Text(f"note: {self._mask(n)}", style=self.style_of("dim")) for n in view.notes)
        self.set_lines(lines)

    def _subtitle(self, view: PlanView) -> str:
        where = view.preset or "?"
        return f"preset {where} · r regenerate · P preset · x send"

    def _status(self, view: PlanView) -> Text:
        ident = view.plan_id or "—"
        text = Text(f"{ident}  {view.as_of:%H:%M:%S}Z", style=self.style_of("dim"))
        if view.expires_at is not None:
            text.append(f" → {view.expires_at:%H:%M}Z", style=self.style_of("dim"))
        if view.executed:
            text.append("  ✓ executed · r for a new plan", style=self.style_of("accent"))
        elif self.is_stale(view):
            text.append("  ! STALE", style=self.style_of("stale"))
            if view.stale_reasons:
                text.append(f" {view.stale_reasons[0]}", style=self.style_of("stale"))
        elif view.plan_id is not None:
            text.append("  ✓ fresh", style=self.style_of("gain"))
        flagged = sum(1 for o in view.orders if o.indicative)
        if flagged:
            text.append(f"  ~ {flagged} indicative, never sent", style=self.style_of("stale"))
        return text

    def _row(self, row: PlanGroupRow) -> Text:
        text = Text(f"{row.group[:13]:<13} {row.current_pct:>5.1f}% {row.target_pct:>5.1f}% ")
        arrow = "▲" if row.drift_pct > 0.05 else "▼" if row.drift_pct < -0.05 else " "
        style = self.style_of("stale") if row.out_of_band else None
        text.append(f"{arrow}{row.drift_pct:+5.1f}", style=style or "")
        text.append("  ")
        text.append_text(self._bar(row))
        if row.post_pct is not None:
            text.append(f" {row.post_pct:>5.1f}%", style=self.style_of("dim"))
        return text

    def _bar(self, row: PlanGroupRow) -> Text:
        cells = [" "] * (2 * BAR_HALF + 1)
        cells[BAR_HALF] = "│"
        band = round(row.band_pct / BAR_SCALE_PP * BAR_HALF)
        for pos in (BAR_HALF - band, BAR_HALF + band):
            if 0 <= pos < len(cells) and pos != BAR_HALF:
                cells[pos] = "┆"
        span = round(max(-1.0, min(1.0, row.drift_pct / BAR_SCALE_PP)) * BAR_HALF)
        lo, hi = (BAR_HALF + span, BAR_HALF) if span < 0 else (BAR_HALF + 1, BAR_HALF + span + 1)
        bar = Text("".join("█" if lo <= i < hi else c for i, c in enumerate(cells)))
        if span:
            bar.stylize(self.style_of("stale" if row.out_of_band else "accent"), lo, hi)
        return bar

    def _orders(self, view: PlanView) -> list[Text]:
        lines = [
            Text(
                f"{len(view.orders)} order(s), sells first"
                + (f" · {view.transfers} transfer(s) first" if view.transfers else "")
                + (f" · {view.skipped} skipped" if view.skipped else ""),
                style=self.style_of("header"),
            ),
            Text(
                f"{'Venue':<6} {'Market':<10} {'Side':<5} {'Qty':>10} {'Limit':>10}"
                f" {'Notional':>10} {'Fee':>7}",
                style=self.style_of("dim"),
            ),
        ]
        lines.extend(self._order(o) for o in view.orders)
        if view.pending:
            worth = sum((p.usd for p in view.pending), Decimal(0))
            lines.append(
                Text(
                    f"{len(view.pending)} open order(s) pending, netted out "
                    f"({fmt.money(worth, privacy=self.privacy)}):",
                    style=self.style_of("header"),
                )
            )
            for p in view.pending:
                arrow = "▲" if p.side is Side.BUY else "▼"
                text = Text(f"  {p.venue[:6]:<6} {p.symbol[:10]:<10} ")
                text.append(
                    f"{arrow}{p.side.value:<4}",
                    style=self.style_of("gain" if p.side is Side.BUY else "loss"),
                )
                text.append(f" {fmt.qty(p.remaining_qty, privacy=self.privacy, width=10)}")
                text.append(f" {fmt.money(p.usd, privacy=self.privacy, width=10)}")
                lines.append(text)
        return lines

    def _order(self, order: PlanOrder) -> Text:
        side = self.style_of("gain" if order.side is Side.BUY else "loss")
        arrow = "▲" if order.side is Side.BUY else "▼"
        text = Text(f"{order.venue[:6]:<6} {order.symbol[:10]:<10}")
        text.append("~" if order.indicative else " ", style=self.style_of("stale"))
        text.append(f"{arrow}{order.side.value:<4}", style=side)
        text.append(f" {fmt.qty(order.qty, privacy=self.privacy, width=10)}")
        text.append(f" {fmt.price(order.limit_price, width=10)}")
        text.append(f" {fmt.money(order.notional_usd, privacy=self.privacy, width=10)}")
        text.append(f" {fmt.money(order.fee_usd, privacy=self.privacy, width=7)}")
        if order.legs > 1:
            text.append(f" leg {order.leg}/{order.legs}", style=self.style_of("dim"))
        return text

    def _mask(self, text: str) -> str:
        """Free text (notes, skip reasons) with its numbers masked in privacy mode."""
        return NUMBER.sub(fmt.MASK, text) if self.privacy else text

    def _not_orders(self, view: PlanView) -> list[Text]:
        """Transfers to make first and every skipped piece with its reason."""
        dim = self.style_of("dim")
        out: list[Text] = []
        if view.transfer_hints:
            out.append(Text("transfer first:", style=self.style_of("header")))
        for t in view.transfer_hints:
            qty = fmt.qty(t.qty, privacy=self.privacy)
            usd = fmt.money(t.usd, privacy=self.privacy)
            source = fmt.location(t.from_location, privacy=self.privacy)
            out.append(Text(f"  {qty} {t.asset} {source} → {t.to_venue or '?'} ({usd})", style=dim))
        if view.skipped_items:
            out.append(Text("skipped:", style=self.style_of("header")))
        for item in view.skipped_items:
            usd = fmt.money(item.usd, privacy=self.privacy)
            out.append(
                Text(
                    f"  {item.reason.value:<14} {item.asset:<6} {usd:>9}"
                    f"  {self._mask(item.detail)}",
                    style=dim,
                )
            )
        return out

    def _totals(self, view: PlanView) -> list[Text]:
        t = view.totals
        if t is None:
            return []

        def money(value: Decimal) -> str:
            return fmt.money(value, privacy=self.privacy)

        drift_ok = all(r.post_pct is None or abs(r.post_pct - r.target_pct) <= r.band_pct
                       for r in view.groups)  # fmt: skip
        verdict, net_ok = net_verdict(t, money)
        return [
            Text(
                f"sells {money(t.sells_usd)} · buys {money(t.buys_usd)} · fees "
                f"{money(t.fees_usd)} · slippage {money(t.slippage_usd)}",
                style=self.style_of("accent"),
            ),
            Text(
                f"net {money(t.net_usd)} {verdict}",
                style=self.style_of("dim" if net_ok else "stale"),
            ),
            Text(
                f"residual drift max {float(t.residual_drift_max_pp):.2f} pp "
                + ("✓ in band" if drift_ok else "! out of band"),
                style=self.style_of("dim" if drift_ok else "stale"),
            ),
        ]
