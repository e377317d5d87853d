"""The user's keymap (``ui.keys``: binding id -> keys), checked against every cockpit binding.

Textual applies a keymap by binding id (``App.set_keymap``) but accepts any id and lets two
bindings share a key without a word. Here every problem is found before the app starts and
reported at once, each with its location (``ui.keys.app.theme``): an id no binding has, a key
string that is empty, and two bindings that would answer the same key where both are active.

Scopes: the app's and the main screen's bindings are active everywhere, so they form one
scope; each pane adds its own bindings on top of them. A clash is two different binding ids
with a common key in one scope, counting a pane's keys against the global ones (the pane
would silently win); a modal's keys are counted among themselves only (they take over from
the global keys on purpose while the modal is up). Only clashes that the user's keymap causes
are reported: the shipped defaults shadow a global key in a pane on purpose (``o`` is the
lifecycle view in the log and the order ticket elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import _character_to_key

from core.errors import ConfigError, ConfigProblem

GLOBAL = "global"
PANE_SCOPES = frozenset({"holdings", "risk", "plan", "book", "log"})


@dataclass(frozen=True, slots=True)
class KeyBinding:
    """One binding as the user sees it: its id, scope, keys (after the keymap) and meaning."""

    id: str
    scope: str
    keys: tuple[str, ...]
    description: str
    tooltip: str = ""

    @property
    def help(self) -> str:
        return self.tooltip or self.description


def _scopes() -> dict[str, list[type]]:
    """Which classes' bindings are active together (imported here: the app imports this)."""
    from cockpit.app import CockpitApp
    from cockpit.screens.confirm import ConfirmModal
    from cockpit.screens.event import EventModal
    from cockpit.screens.help import HelpModal
    from cockpit.screens.main import MainScreen
    from cockpit.screens.orders import OpenOrdersScreen
    from cockpit.screens.ticket import OrderTicketModal
    from widgets.execution_log import ExecutionLog
    from widgets.holdings_table import HoldingsTable
    from widgets.line_pane import LinePane
    from widgets.order_book_ladder import OrderBookLadder
    from widgets.plan_diff import PlanDiff
    from widgets.risk_panel import RiskPanel

    return {
        GLOBAL: [CockpitApp, MainScreen],
        "panes": [LinePane],  # the keys every pane shares (listed once in the help)
        "holdings": [HoldingsTable],
        "risk": [RiskPanel],
        "plan": [PlanDiff],
        "book": [OrderBookLadder],
        "log": [ExecutionLog],
        "orders": [OpenOrdersScreen],
        "ticket": [OrderTicketModal],
        "confirm": [ConfirmModal],
        "event": [EventModal],
        "help": [HelpModal],
    }


def _class_bindings(cls: type) -> list[Binding]:
    """The bindings a class declares, its bases' included (base first, as Textual merges)."""
    out: list[Binding] = []
    for klass in reversed(cls.__mro__):
        for item in klass.__dict__.get("BINDINGS", ()):
            if isinstance(item, Binding):
                out.append(item)
    return out


def split_keys(keys: str) -> tuple[str, ...]:
    """``"j,down"`` -> ``("j", "down")``, in Textual's long form (``?`` -> ``question_mark``)."""
    parts = (k.strip() for k in keys.split(","))
    return tuple(_character_to_key(k) if len(k) == 1 else k for k in parts if k)


def bindings(keymap: Mapping[str, str] | None = None) -> list[KeyBinding]:
    """Every cockpit binding with an id, with its keys after ``keymap``, scope by scope."""
    keymap = keymap or {}
    out: list[KeyBinding] = []
    seen: set[tuple[str, str]] = set()
    for scope, classes in _scopes().items():
        for cls in classes:
            for binding in _class_bindings(cls):
                if binding.id is None or (scope, binding.id) in seen:
                    continue
                seen.add((scope, binding.id))
                keys = split_keys(keymap.get(binding.id, binding.key))
                out.append(
                    KeyBinding(binding.id, scope, keys, binding.description, binding.tooltip)
                )
    return out


def problems(keymap: Mapping[str, str]) -> list[ConfigProblem]:
    """Every problem with ``keymap``: unknown ids, empty keys, clashes it causes."""
    found: list[ConfigProblem] = []
    every = bindings(keymap)
    known = {b.id for b in every}
    for binding_id, keys in keymap.items():
        where = f"ui.keys.{binding_id}"
        if binding_id not in known:
            near = sorted(k for k in known if k.split(".")[0] == binding_id.split(".")[0])
            hint = f" (ids here: {', '.join(near)})" if near else " ('?' lists every id)"
            found.append(ConfigProblem(where, f"unknown binding id{hint}"))
        elif not split_keys(keys):
            found.append(ConfigProblem(where, "no key given"))
    found.extend(_clashes(every, keymap))
    return found


def _clashes(every: Iterable[KeyBinding], keymap: Mapping[str, str]) -> list[ConfigProblem]:
    by_scope: dict[str, list[KeyBinding]] = {}
    for b in every:
        by_scope.setdefault(b.scope, []).append(b)
    globals_ = by_scope.get(GLOBAL, [])
    found: list[ConfigProblem] = []
    reported: set[tuple[str, str, str]] = set()
    for scope, members in by_scope.items():
        # A pane's keys work beside the global ones; a modal's or screen's own keys (``?``
        # closing the help) deliberately take over from them while it is up.
        pool = members + globals_ if scope in PANE_SCOPES else members
        owner: dict[str, KeyBinding] = {}
        for b in pool:
            for key in b.keys:
                other = owner.get(key)
                if other is None:
                    owner[key] = b
                    continue
                if other.id == b.id or (other.id not in keymap and b.id not in keymap):
                    continue
                pair = tuple(sorted((other.id, b.id)))
                if (pair[0], pair[1], key) in reported:
                    continue
                reported.add((pair[0], pair[1], key))
                mine = b if b.id in keymap else other
                theirs = other if mine is b else b
                found.append(
                    ConfigProblem(
                        f"ui.keys.{mine.id}",
                        f"key {key!r} is already {theirs.id} ({theirs.description})"
                        + ("" if scope == GLOBAL else f" in the {scope} pane"),
                    )
                )
    return found


def checked(keymap: Mapping[str, str], source: str = "config") -> dict[str, str]:
    """``keymap`` ready for ``App.set_keymap``; ConfigError listing every problem otherwise."""
    found = problems(keymap) if keymap else []
    if found:
        raise ConfigError(source, found)
    return dict(keymap)
