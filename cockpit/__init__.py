"""The cockpit application: CLI, Textual app, screens and the composition root."""

from core import __version__

__all__ = ["__version__"]
