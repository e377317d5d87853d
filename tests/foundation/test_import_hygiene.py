"""``core`` is headless: importing every module of it never loads a UI package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGES = ("textual", "rich", "cockpit", "widgets")

PROBE = """
import importlib, json, pkgutil, sys
import core
names = sorted(m.name for m in pkgutil.walk_packages(core.__path__, "core."))
for name in names:
    importlib.import_module(name)
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print(json.dumps({"modules": names, "ui": loaded}))
"""


def test_importing_all_of_core_loads_no_ui_package() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *UI_PACKAGES],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout)
    on_disk = {
        ".".join(p.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (PROJECT_ROOT / "core").rglob("*.py")
    } - {"core"}
    assert set(report["modules"]) == on_disk, "every module under core/ was imported"
    assert report["ui"] == []
