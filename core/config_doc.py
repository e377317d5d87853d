"""Render the configuration's defaults as commented YAML (``cockpit config defaults``).

The project's ``config.yaml`` is exactly this output, and a test keeps the two identical, so
the documented defaults can never drift from the code's.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel

from core.config import Settings

_NUMBER = re.compile(r"-?\d+(\.\d+)?")

HEADER = """\
# cockpit configuration: every setting with its default and what it does.
# Copy it to ~/.config/cockpit/config.yaml (or pass --config PATH) and edit.
# Any field can be overridden from the environment: COCKPIT_UI__THEME=light sets ui.theme.
# Check a file with: cockpit config validate PATH
"""


def _scalar(value: Any) -> str:
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return value  # Decimals serialise as strings; show them as the numbers they are
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _emit(model: BaseModel, indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if field.description:
            lines.append(f"{pad}# {field.description}")
        if isinstance(value, BaseModel):
            lines.append(f"{pad}{name}:")
            _emit(value, indent + 1, lines)
            continue
        dumped = model.model_dump(mode="json", include={name})[name]
        if isinstance(dumped, dict) and dumped:
            lines.append(f"{pad}{name}:")
            for key, item in dumped.items():
                lines.append(f"{pad}  {_scalar(key)}: {_scalar(item)}")
        elif isinstance(dumped, list) and dumped and isinstance(dumped[0], dict):
            lines.append(f"{pad}{name}:")
            block = yaml.safe_dump(dumped, sort_keys=False, allow_unicode=True).rstrip()
            lines.extend(f"{pad}  {line}" for line in block.splitlines())
        else:
            lines.append(f"{pad}{name}: {_scalar(dumped)}")


def defaults_yaml() -> str:
    """The default configuration, documented, as YAML text."""
    lines = [HEADER.rstrip()]
    settings = Settings()
    for name, field in Settings.model_fields.items():
        lines.append("")
        if field.description:
            lines.append(f"# {field.description}")
        value = getattr(settings, name)
        if isinstance(value, BaseModel):
            doc = (type(value).__doc__ or "").strip().splitlines()
            if doc and not field.description:
                lines.append(f"# {doc[0]}")
            lines.append(f"{name}:")
            _emit(value, 1, lines)
        else:
            sub: list[str] = []
            holder = settings
            dumped = holder.model_dump(mode="json", include={name})[name]
            if isinstance(dumped, list) and dumped and isinstance(dumped[0], dict):
                sub.append(f"{name}:")
                block = yaml.safe_dump(dumped, sort_keys=False, allow_unicode=True).rstrip()
                sub.extend(f"  {line}" for line in block.splitlines())
            else:
                sub.append(f"{name}: {_scalar(dumped)}")
            lines.extend(sub)
    return "\n".join(lines) + "\n"
