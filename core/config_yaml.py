"""Strict YAML for configuration: one-line errors with a location, never a traceback.

``yaml.safe_load`` already refuses to build Python objects, but it accepts what a config file
should not hold and fails badly on hostile input. This loader refuses, each with its line and
column:

* **duplicate keys** (``mode: paper`` then ``mode: live`` silently meant live), naming both
  lines; every duplicate in the file is reported, not just the first;
* **explicit tags** of any kind (``!!python/object``, ``!!binary``, ``!custom``): plain
  scalars, lists and mappings are all a config needs, and a tag is how exploits start;
* **nesting deeper than** :data:`MAX_DEPTH` (5,000 levels overflowed the recursive composer
  with a ``RecursionError`` traceback); the deepest real section is 4 levels;
* **text that is not UTF-8**, and files larger than :data:`MAX_CONFIG_BYTES`.

The same loader parses ``COCKPIT_…`` environment overrides, so
``COCKPIT_SIM__SEED='!!python/object/apply:os.system [...]'`` is refused the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node

from core.errors import ConfigError, ConfigProblem

MAX_DEPTH = 32
"""Deepest nesting of lists and mappings accepted."""
MAX_CONFIG_BYTES = 1024 * 1024
"""Largest config file read (the documented defaults are ~10 KiB)."""
_YAML_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _YAML_TAG + "merge"


class _Refused(Exception):
    """Raised inside the loader; becomes one :class:`ConfigProblem`."""

    def __init__(self, problem: ConfigProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "yaml"


class StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` without tags, duplicate keys or deep nesting (see the module docs)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.found: list[tuple[int, int, ConfigProblem]] = []

    @property
    def problems(self) -> list[ConfigProblem]:
        """Duplicate keys found, in file order."""
        return [problem for _, _, problem in sorted(self.found, key=lambda f: f[:2])]

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        tagged = isinstance(event, ScalarEvent | MappingStartEvent | SequenceStartEvent)
        if tagged and event.tag not in (None, "!"):
            raise _Refused(
                ConfigProblem(
                    _where(event.start_mark),
                    f"YAML tag {_short_tag(event.tag)!r} is not allowed in configuration",
                )
            )
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            if self.depth >= MAX_DEPTH:
                raise _Refused(
                    ConfigProblem(
                        _where(event.start_mark),
                        f"nested more than {MAX_DEPTH} levels deep",
                    )
                )
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: SafeLoader reports it below
            line = key_node.start_mark.line + 1
            if first is not None:
                mark = key_node.start_mark
                message = f"duplicate key {key!r} (first at line {first}); remove one"
                self.found.append((mark.line, mark.column, ConfigProblem(_where(mark), message)))
            else:
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> tuple[Any, list[ConfigProblem]]:
    """The data in ``text`` and the problems found while loading it (duplicate keys).

    Raises :class:`_Refused` (via :func:`load_yaml`) for problems that stop loading.
    """
    loader = StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _Refused(ConfigProblem(_where(mark), str(problem))) from None
    except RecursionError:
        raise _Refused(ConfigProblem("yaml", f"nested too deep (limit {MAX_DEPTH})")) from None
    finally:
        loader.dispose()
    return data, loader.problems


def read_config_file(path: Path) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """A config file's top-level mapping and its non-fatal problems; ConfigError if unreadable."""
    source = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(source, [ConfigProblem("file", exc.strerror or str(exc))]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            source, [ConfigProblem("file", f"larger than {MAX_CONFIG_BYTES // 1024} KiB")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        where = f"line {line}"
        problem = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}: {exc.reason}); save it as UTF-8"
        raise ConfigError(source, [ConfigProblem(where, problem)]) from None
    try:
        data, problems = parse_yaml(text)
    except _Refused as refused:
        raise ConfigError(source, [refused.problem]) from None
    if data is None:
        return {}, problems
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigProblem("(top)", "must be a mapping of sections")])
    return data, problems


def parse_env_value(name: str, raw: str) -> tuple[Any, list[ConfigProblem]]:
    """One ``COCKPIT_…`` override's value, as YAML, with problems located at ``name``."""
    if raw == "":
        return None, []
    try:
        value, problems = parse_yaml(raw)
    except _Refused as refused:
        return None, [
            ConfigProblem(name, f"{refused.problem.message} ({refused.problem.location})")
        ]
    return value, [ConfigProblem(name, p.message) for p in problems]
