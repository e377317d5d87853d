"""The cockpit application: CLI, Textual app, screens and the composition root."""

import os

from core import __version__

# Textual composes a frame at most every 1/TEXTUAL_FPS s after something changed (60 by
# default), read once when textual is first imported. Key presses should show within a few
# milliseconds, so the compositor may run at up to 120 frames/s; the data panes are still
# capped at ``ui.fps`` by the bridge, so this costs nothing while nobody types.
os.environ.setdefault("TEXTUAL_FPS", "120")

__all__ = ["__version__"]
