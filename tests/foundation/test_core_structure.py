"""Core as a supervisor (issue 11): its parts never reach back into it.

Execution is composed by the core and handed narrow ports: importing every execution module
never loads the core that composes it (import-linter checks the same statically). No module
of ``core`` touches a private member of an object it calls ``core``, and the supervisor
itself stays small.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPOSERS = ("core.service", "core.analytics", "core.plan_service", "core.state_builder")

PROBE = """
import importlib, json, pkgutil, sys
import core.execution
names = sorted(m.name for m in pkgutil.walk_packages(core.execution.__path__, "core.execution."))
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(set(sys.argv[1:]) & set(sys.modules))}))
"""


def test_importing_execution_never_loads_the_core_that_composes_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *COMPOSERS],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout)
    assert "core.execution.service" in report["modules"]
    assert report["loaded"] == []


def private_reaches(tree: ast.AST) -> list[str]:
    """``core._x``, ``self.core._x``, ``self._core._x``: a part calling its owner's privates."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        owner = node.value
        name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else ""
        )
        if name in ("core", "_core") and not node.attr.startswith("__"):
            found.append((node.lineno, f"{name}.{node.attr} (line {node.lineno})"))
    return [text for _, text in sorted(found)]


def test_no_part_of_core_reaches_into_the_cores_private_members() -> None:
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): reaches
        for path in sorted((PROJECT_ROOT / "core").rglob("*.py"))
        if (reaches := private_reaches(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}


def test_the_reach_check_finds_a_reach() -> None:
    """The check above is not vacuous: it sees the shapes it forbids."""
    tree = ast.parse("core._poll()\nself.core._tasks\nself._core._x\ncore.publish()")
    assert private_reaches(tree) == [
        "core._poll (line 1)",
        "core._tasks (line 2)",
        "_core._x (line 3)",
    ]


def test_the_supervisor_stays_under_300_lines() -> None:
    lines = (PROJECT_ROOT / "core" / "service.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 300, f"core/service.py has {len(lines)} lines: move a job out of Core"
