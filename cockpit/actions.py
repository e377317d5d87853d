"""One registry of cockpit actions, read by the command palette and by the ``:`` command line.

Each :class:`CockpitAction` names its ``:`` word, the palette title, its parameters (with the
choices a parameter completes from) and the key binding that runs it too. The palette offers
every action (one hit per choice for an action with one choice parameter, such as a theme or a
pane); the command line parses and completes the same entries. The app carries an action out
in its ``cmd_<name>`` method, so adding an action here and a method there is all it takes (a
test checks that every action has its method).

Pure: no Textual; the app hands in an :class:`ActionContext` built from the latest state.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.errors import DataError


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What the choices come from: the latest state's panes, markets, presets and orders."""

    panes: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    presets: tuple[str, ...] = ()
    markets: tuple[tuple[str, str], ...] = ()
    """(venue, symbol) of every market the core streams."""
    orders: tuple[str, ...] = ()
    """Client order ids of the open orders."""
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id -> the key shown for it (after the user's keymap)."""

    @property
    def venues(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for v, _ in self.markets))

    def symbols(self, venue: str) -> tuple[str, ...]:
        return tuple(s for v, s in self.markets if v == venue)


Choices = Callable[[ActionContext, Sequence[str]], Sequence[str]]
"""The values a parameter may take, given the context and the arguments before it."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    choices: Choices | None = None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class CockpitAction:
    """One thing the user can do from the palette, the ``:`` line and (often) a key."""

    name: str
    """The ``:`` word (``plan``, ``theme``, ``buy``); the app runs ``cmd_<name>``."""
    title: str
    """What the palette shows."""
    help: str
    params: tuple[Param, ...] = ()
    binding: str | None = None
    """The key binding id that does the same (its key is shown beside the palette hit)."""
    trading: bool = False
    """Places orders: refused at once while trading is paused (no confirmation opens)."""
    each: str = ""
    """The palette's title for one hit per choice (``Plan preset: hrp``); ``title`` if empty."""

    @property
    def usage(self) -> str:
        args = " ".join(f"[{p.name}]" if p.optional else p.name for p in self.params)
        return f":{self.name} {args}".rstrip()


def _panes(ctx: ActionContext, _: Sequence[str]) -> Sequence[str]:
    return ctx.panes


def _themes(ctx: ActionContext, _: Sequence[str]) -> Sequence[str]:
    return ctx.themes


def _presets(ctx: ActionContext, _: Sequence[str]) -> Sequence[str]:
    return ctx.presets


def _venues(ctx: ActionContext, _: Sequence[str]) -> Sequence[str]:
    return ctx.venues


def _symbols(ctx: ActionContext, before: Sequence[str]) -> Sequence[str]:
    return ctx.symbols(before[0]) if before else ()


def _orders(ctx: ActionContext, _: Sequence[str]) -> Sequence[str]:
    return ctx.orders


def _at(_: ActionContext, __: Sequence[str]) -> Sequence[str]:
    return ("@",)


ORDER_PARAMS = (
    Param("VENUE", _venues),
    Param("SYMBOL", _symbols),
    Param("QTY"),
    Param("@", _at, optional=True),
    Param("PRICE", optional=True),
)

ACTIONS: tuple[CockpitAction, ...] = (
    CockpitAction("pane", "Show pane", "focus a pane", (Param("PANE", _panes),)),
    CockpitAction(
        "plan",
        "Plan: regenerate",
        "build a new plan, with this target preset when one is named",
        (Param("PRESET", _presets, optional=True),),
        binding="plan.regenerate",
        each="Plan preset",
    ),
    CockpitAction(
        "execute",
        "Execute plan",
        "send the current plan's orders (confirm modal, focus on Cancel)",
        binding="app.execute_plan",
        trading=True,
    ),
    CockpitAction(
        "abort", "Abort plans", "no further plan orders are sent", binding="app.abort_plan"
    ),
    CockpitAction(
        "kill",
        "Kill switch (next step)",
        "pause → cancel all open orders → flatten, one confirmed step at a time",
        binding="app.kill_switch",
    ),
    CockpitAction(
        "rearm", "Re-arm trading", "after the kill switch (confirmed)", binding="app.rearm"
    ),
    CockpitAction(
        "theme", "Theme", "switch the colour theme", (Param("THEME", _themes),), "app.theme"
    ),
    CockpitAction("privacy", "Privacy mode", "mask amounts and values", binding="app.privacy"),
    CockpitAction(
        "screenshot", "Screenshot (SVG)", "save what the screen shows", binding="app.screenshot"
    ),
    CockpitAction(
        "record",
        "Record the terminal",
        "start or stop an asciicast recording of the screen",
        binding="app.record",
    ),
    CockpitAction(
        "market",
        "Market",
        "show this market in the order book",
        (Param("VENUE", _venues), Param("SYMBOL", _symbols)),
    ),
    CockpitAction(
        "ticket", "Order ticket", "place an order with a preview", binding="app.order_ticket"
    ),
    CockpitAction(
        "orders", "Open orders", "list open orders; d cancels", binding="app.open_orders"
    ),
    CockpitAction(
        "buy",
        "Buy…",
        "buy VENUE SYMBOL QTY [@ PRICE] (market without a price)",
        ORDER_PARAMS,
        trading=True,
    ),
    CockpitAction(
        "sell",
        "Sell…",
        "sell VENUE SYMBOL QTY [@ PRICE] (market without a price)",
        ORDER_PARAMS,
        trading=True,
    ),
    CockpitAction("cancel", "Cancel order…", "cancel one open order", (Param("ID", _orders),)),
    CockpitAction(
        "history", "Execution history", "fills, fees and slippage per plan", binding="log.history"
    ),
    CockpitAction(
        "analytics",
        "Analytics",
        "equity curve, drawdown, monthly returns, attribution by group, P&L",
        binding="analytics.open",
    ),
    CockpitAction("help", "Keys and help", "every key, as mapped", binding="app.help"),
    CockpitAction("quit", "Quit", "leave the cockpit", binding="app.quit"),
)
BY_NAME: dict[str, CockpitAction] = {a.name: a for a in ACTIONS}


@dataclass(frozen=True, slots=True)
class Invocation:
    action: CockpitAction
    args: tuple[str, ...]


def split(line: str) -> list[str]:
    """The words of a command line (``:`` optional; quotes group words)."""
    text = line.strip().removeprefix(":")
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise DataError(f"command line: {exc}") from None


def parse(line: str, ctx: ActionContext) -> Invocation:
    """The action and its arguments, checked against their choices; DataError says what is
    wrong in one line (unknown command, missing or unknown argument)."""
    words = split(line)
    if not words:
        raise DataError("command line: empty (try :help)")
    name, args = words[0].lower(), words[1:]
    action = BY_NAME.get(name)
    if action is None:
        near = [a.name for a in ACTIONS if a.name.startswith(name[:2])]
        hint = f" (did you mean {', '.join(near)}?)" if near else " (:help lists them)"
        raise DataError(f":{name}: unknown command{hint}")
    required = [p for p in action.params if not p.optional]
    if len(args) < len(required):
        raise DataError(f":{name}: missing {required[len(args)].name} (usage: {action.usage})")
    if len(args) > len(action.params):
        raise DataError(f":{name}: too many arguments (usage: {action.usage})")
    for i, (param, value) in enumerate(zip(action.params, args, strict=False)):
        if param.choices is None:
            continue
        allowed = param.choices(ctx, args[:i])
        if allowed and value not in allowed:
            raise DataError(
                f":{name}: unknown {param.name} {value!r} (one of: {', '.join(allowed[:8])})"
            )
    return Invocation(action, tuple(args))


def complete(line: str, ctx: ActionContext) -> list[str]:
    """Whole-line completions of ``line`` for its last (partly typed) word."""
    text = line.removeprefix(":")
    words = text.split(" ")
    head, last = words[:-1], words[-1]
    if not head:
        return [f"{a.name}" for a in ACTIONS if a.name.startswith(last.lower())]
    action = BY_NAME.get(head[0].lower())
    if action is None:
        return []
    index = len(head) - 1
    if index >= len(action.params):
        return []
    param = action.params[index]
    if param.choices is None:
        return []
    prefix = " ".join(head)
    return [
        f"{prefix} {choice}"
        for choice in param.choices(ctx, head[1:])
        if choice.lower().startswith(last.lower())
    ]
