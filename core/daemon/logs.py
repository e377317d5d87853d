"""Where logs go: JSON lines for the daemon, plain lines in a file under a TUI.

Kept apart from the runner so that the TUI's start-up imports nothing of the core service.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import Settings
from core.private_files import private_dir, private_opener
from core.redact import protect, protect_sources


class PrivateFileHandler(logging.FileHandler):
    """A log file created 0600 (an older, looser one is tightened when opened)."""

    def _open(self) -> Any:
        return open(
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=private_opener,
        )


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotated log whose every file, including each new one after a rollover, is 0600."""

    _open = PrivateFileHandler._open


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message (+ exc)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(settings: Settings) -> None:
    """The daemon's logs: JSON lines on stderr, or in ``daemon.log_file`` (rotated)."""
    path = settings.daemon.log_file
    handler: logging.Handler
    if path is not None:
        private_dir(path.parent)
        handler = PrivateRotatingFileHandler(
            path, maxBytes=10 * 1024 * 1024, backupCount=5, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    protect(handler)
    protect_sources()
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.logging.level)


def configure_file_logging(path: Path, level: str) -> None:
    """Plain text log lines appended to ``path`` (the TUI's log file: the terminal belongs to
    the TUI, and its process and its embedded core share one log)."""
    private_dir(path.parent)
    handler = PrivateFileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    protect(handler)
    protect_sources()
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
