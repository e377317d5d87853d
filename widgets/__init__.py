"""Textual widgets for the cockpit's panes: they render model snapshots and post intents."""
