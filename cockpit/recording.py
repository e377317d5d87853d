"""Screen recording: tee everything the Textual driver writes into an asciicast v2 file.

asciicast v2 is a header JSON line (``version``, ``width``, ``height``, ``timestamp``, ``env``)
followed by one ``[seconds, "o", data]`` line per chunk written to the terminal (and
``[seconds, "r", "WxH"]`` on resize). Recording at the driver level captures exactly the bytes
the terminal received (so privacy masking, colours and NO_COLOR are recorded as shown).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from textual import events
from textual.driver import Driver
from textual.message import Message


class AsciicastWriter:
    """Writes an asciicast v2 file; thread-safe (the driver writes from its own thread)."""

    def __init__(self, path: Path, width: int, height: int, *, title: str = "cockpit") -> None:
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self.events = 0
        header: dict[str, Any] = {
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": int(time.time()),
            "title": title,
            "env": {"TERM": os.environ.get("TERM", "xterm-256color"), "SHELL": "/bin/sh"},
        }
        self._file.write(json.dumps(header) + "\n")

    def _event(self, code: str, data: str) -> None:
        with self._lock:
            if self._file.closed:
                return
            elapsed = round(time.monotonic() - self._start, 6)
            self._file.write(json.dumps([elapsed, code, data], ensure_ascii=False) + "\n")
            self.events += 1

    def output(self, data: str) -> None:
        if data:
            self._event("o", data)

    def resize(self, width: int, height: int) -> None:
        self._event("r", f"{width}x{height}")

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()


class Recorder:
    """The app's recording switch: ``cockpit --record FILE`` starts it, Ctrl+R (or ``:record``)
    starts and stops it. The driver sends every write here; nothing is kept while it is off."""

    def __init__(self) -> None:
        self.writer: AsciicastWriter | None = None

    @property
    def active(self) -> bool:
        return self.writer is not None

    @property
    def path(self) -> Path | None:
        return self.writer.path if self.writer is not None else None

    def start(self, path: Path, width: int, height: int) -> None:
        self.stop()
        self.writer = AsciicastWriter(path, width, height)

    def stop(self) -> Path | None:
        """Close the file; returns its path (None when not recording)."""
        writer, self.writer = self.writer, None
        if writer is None:
            return None
        writer.close()
        return writer.path

    def output(self, data: str) -> None:
        writer = self.writer
        if writer is not None:
            writer.output(data)

    def resize(self, width: int, height: int) -> None:
        writer = self.writer
        if writer is not None:
            writer.resize(width, height)


def recording_driver(base: type[Driver], writer: AsciicastWriter | Recorder) -> type[Driver]:
    """A subclass of the app's driver class that also sends its output to ``writer``."""

    class RecordingDriver(base):  # type: ignore[valid-type,misc]  # dynamic base by design
        def write(self, data: str) -> None:
            super().write(data)
            writer.output(data)

        def process_message(self, message: Message) -> None:
            if isinstance(message, events.Resize):
                writer.resize(message.size.width, message.size.height)
            super().process_message(message)

    RecordingDriver.__name__ = f"Recording{base.__name__}"
    return RecordingDriver


def terminal_size(default: tuple[int, int] = (80, 24)) -> tuple[int, int]:
    for stream in (2, 1, 0):
        try:
            size = os.get_terminal_size(stream)
            return size.columns, size.lines
        except OSError:
            continue
    return default


def validate_cast(path: Path) -> tuple[dict[str, Any], list[list[Any]]]:
    """Parse an asciicast v2 file strictly; raise ``ValueError`` naming the bad line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path}: empty")
    header = json.loads(lines[0])
    if not isinstance(header, dict) or header.get("version") != 2:
        raise ValueError(f"{path}:1: header is not asciicast version 2")
    for key in ("width", "height"):
        if not isinstance(header.get(key), int) or header[key] <= 0:
            raise ValueError(f"{path}:1: header {key} must be a positive integer")
    out: list[list[Any]] = []
    last = 0.0
    for number, line in enumerate(lines[1:], start=2):
        event = json.loads(line)
        if (
            not isinstance(event, list)
            or len(event) != 3
            or not isinstance(event[0], int | float)
            or event[1] not in ("o", "i", "m", "r")
            or not isinstance(event[2], str)
        ):
            raise ValueError(f"{path}:{number}: not a [time, code, data] event")
        if event[0] < last:
            raise ValueError(f"{path}:{number}: time goes backwards")
        last = float(event[0])
        out.append(event)
    return header, out
