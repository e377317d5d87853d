"""The command palette's cockpit commands (Ctrl+P), from the one registry in ``cockpit.actions``.

An action without parameters is one hit; an action whose only parameter has choices (a pane,
a theme, a target preset) is one hit per choice (``Theme: light``); an action with free
arguments (``buy``, ``cancel``) opens the ``:`` line with its word typed, so the user completes
it there. Every hit runs through the app's ``run_invocation``, the same path as the ``:`` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cockpit.actions import ACTIONS, ActionContext, CockpitAction, Invocation

if TYPE_CHECKING:
    from cockpit.app import CockpitApp


@dataclass(frozen=True, slots=True)
class Entry:
    """One palette line: what it shows, its help, and what it runs (or types on the ``:`` line)."""

    text: str
    help: str
    invocation: Invocation | None
    prefill: str = ""


def entries(ctx: ActionContext) -> list[Entry]:
    """Every palette line for the current context, in registry order."""
    out: list[Entry] = []
    for action in ACTIONS:
        key = ctx.keys.get(action.binding or "", "")
        help_text = f"{action.help}  [{key}]" if key else action.help
        out.extend(_entries_of(action, ctx, help_text))
    return out


def _entries_of(action: CockpitAction, ctx: ActionContext, help_text: str) -> list[Entry]:
    required = [p for p in action.params if not p.optional]
    if not action.params:
        return [Entry(action.title, help_text, Invocation(action, ()))]
    first = action.params[0]
    if len(action.params) == 1 and first.choices is not None:
        rows = [
            Entry(
                f"{action.each or action.title}: {choice}", help_text, Invocation(action, (choice,))
            )
            for choice in first.choices(ctx, ())
        ]
        if not required:  # ``:plan`` alone also works: regenerate with the current preset
            rows.insert(0, Entry(action.title, help_text, Invocation(action, ())))
        return rows
    if action.name == "market":
        return [
            Entry(f"Market: {venue} {symbol}", help_text, Invocation(action, (venue, symbol)))
            for venue, symbol in ctx.markets
        ]
    return [Entry(action.title, f"{help_text} (opens the : line)", None, f"{action.name} ")]


class CockpitCommands(Provider):
    """Every cockpit action for Textual's command palette."""

    @property
    def cockpit(self) -> CockpitApp:
        from cockpit.app import CockpitApp

        assert isinstance(self.app, CockpitApp)
        return self.app

    def _run(self, entry: Entry) -> None:
        app = self.cockpit
        if entry.invocation is not None:
            app.run_invocation(entry.invocation)
        else:
            app.open_command_line(entry.prefill)

    async def discover(self) -> Hits:
        for entry in entries(self.cockpit.action_context()):
            yield DiscoveryHit(entry.text, partial(self._run, entry), help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in entries(self.cockpit.action_context()):
            score = max(matcher.match(entry.text), matcher.match(entry.help) * 0.5)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(entry.text), partial(self._run, entry), help=entry.help
                )
