"""Large journal sections split into a tree of small parts, each stored against its previous.

Deflate looks back 32 KiB at most, so a section larger than that (the risk report of an
imported portfolio, ~110 KiB; the plan, ~60 KiB) deflated against its previous value keeps
only what its last 32 KiB share: a change in a few floats still costs kilobytes. The journal
(:mod:`core.journalcodec`) therefore stores a section over :data:`SPLIT` bytes as a tree:

- a *shape* part per split node, named ``^`` + the node's path as JSON (``["risk",
  "report"]``), holding ``{"d": [keys...]}`` for an object or ``{"l": n}`` for a list cut
  into ``n`` chunks of :data:`CHUNK` items;
- a *leaf* part per child that is small enough (or cannot be split), named ``=`` + its path,
  holding the child's compact JSON. A leaf whose bytes did not change since the last frame
  is left out; the decoder keeps the last bytes of every leaf.

Rebuilding walks the shapes from the section's root; the object's keys keep their order, so
the section decodes to the very value encoded. Sans-I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

SPLIT = 16 * 1024
"""A section (or node) whose JSON is longer than this is split."""
CHUNK = 32
"""Items per chunk of a split list."""
SHAPE = "^"
LEAF = "="
_MAX_NAME = 255

Path = tuple[str | int, ...]


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def name_of(kind: str, path: Path) -> str:
    return kind + json.dumps(list(path), separators=(",", ":"), ensure_ascii=False)


def path_of(name: str) -> Path:
    """The path a tree part's name holds (raises ValueError on a malformed one)."""
    path = json.loads(name[1:])
    if not isinstance(path, list) or not path or not isinstance(path[0], str):
        raise ValueError(f"bad tree part name {name!r}")
    return tuple(path)


def is_tree_part(name: str) -> bool:
    return name[:1] in (SHAPE, LEAF)


def tree_parts(section: str, value: Any, body: bytes) -> list[tuple[str, bytes]] | None:
    """The section as shape and leaf parts, or None when it is small enough to go whole."""
    if len(body) <= SPLIT:
        return None
    return _node((section,), value, body) or None


def _node(path: Path, value: Any, body: bytes) -> list[tuple[str, bytes]]:
    """Parts of one node: a leaf when small or unsplittable, else its shape then children."""
    children: list[tuple[Path, Any]]
    if len(body) > SPLIT and isinstance(value, dict) and value:
        shape: dict[str, Any] = {"d": list(value)}
        children = [((*path, key), child) for key, child in value.items()]
    elif len(body) > SPLIT and isinstance(value, list) and len(value) > CHUNK:
        chunks = [value[i : i + CHUNK] for i in range(0, len(value), CHUNK)]
        shape = {"l": len(chunks)}
        children = [((*path, i), chunk) for i, chunk in enumerate(chunks)]
    else:
        children = []
    if not children or any(len(name_of(LEAF, p).encode()) > _MAX_NAME for p, _ in children):
        return [(name_of(LEAF, path), body)] if len(path) > 1 else []
    parts = [(name_of(SHAPE, path), _dumps(shape))]
    for child_path, child in children:
        chunked = isinstance(shape.get("l"), int)
        child_body = _dumps(child)
        if chunked:  # a chunk is a leaf: cutting it again would only re-chunk it
            parts.append((name_of(LEAF, child_path), child_body))
        else:
            parts.extend(_node(child_path, child, child_body))
    return parts


def assemble(section: str, shapes: Mapping[Path, Any], leaf: Callable[[Path], bytes]) -> Any:
    """The section's value from its shapes and each leaf's current bytes (``leaf(path)``)."""

    def build(path: Path) -> Any:
        shape = shapes.get(path)
        if shape is None:
            return json.loads(leaf(path))
        if "d" in shape:
            return {key: build((*path, key)) for key in shape["d"]}
        out: list[Any] = []
        for i in range(int(shape["l"])):
            chunk = build((*path, i))
            if not isinstance(chunk, list):
                raise ValueError(f"chunk {i} of {list(path)} is not a list")
            out.extend(chunk)
        return out

    return build((section,))
