"""Configuration: defaults, the documented config.yaml, every problem at once, env, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.config import Settings, load_settings
from core.config_doc import defaults_yaml
from core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_valid_and_frozen() -> None:
    settings = Settings()
    assert Settings.model_validate(settings.model_dump()) == settings
    assert sum(settings.targets.groups.values()) == 100
    assert [v.kind for v in settings.venues] == ["sim", "sim"]
    with pytest.raises(Exception, match="frozen"):
        settings.ui.theme = "light"  # type: ignore[misc]


def test_project_config_yaml_is_the_documented_defaults() -> None:
    text = (PROJECT_ROOT / "config.yaml").read_text(encoding="utf-8")
    assert text == defaults_yaml()
    assert load_settings(PROJECT_ROOT / "config.yaml", env={}) == Settings()
    # Every field that has a description is documented in the file as a comment.
    for name, field in Settings.model_fields.items():
        assert f"\n{name}:" in text
        if field.description:
            assert f"# {field.description}" in text


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, ""), env={}) == Settings()


def test_two_errors_are_both_reported_with_paths(tmp_path: Path) -> None:
    path = write(tmp_path, "mode: paper\nui:\n  theme: purple\n  fsp: 10\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    problems = {p.location: p.message for p in info.value.problems}
    assert set(problems) == {"ui.theme", "ui.fsp"}
    assert "dark" in problems["ui.theme"]
    assert "unknown key" in problems["ui.fsp"]
    assert info.value.source == str(path)
    assert str(info.value).splitlines() == [
        f"{path}: ui.theme: {problems['ui.theme']}",
        f"{path}: ui.fsp: {problems['ui.fsp']}",
    ]


def test_nested_and_cross_field_problems(tmp_path: Path) -> None:
    text = (
        "sim:\n  assets: 5\n"
        "targets:\n  groups:\n    BTC: 50\n    Moon: 10\n"
        "venues:\n  - {name: a, kind: sim}\n  - {name: b, kind: ftx}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), env={})
    locations = [p.location for p in info.value.problems]
    assert "sim.assets" in locations
    assert "targets" in locations
    assert "venues.1.kind" in locations
    targets = next(p for p in info.value.problems if p.location == "targets")
    assert "Moon" in targets.message


def test_env_overrides_a_field(tmp_path: Path) -> None:
    env = {"COCKPIT_UI__THEME": "light", "COCKPIT_SIM__SEED": "99", "OTHER": "x"}
    settings = load_settings(None, env=env, search=False)
    assert settings.ui.theme == "light"
    assert settings.sim.seed == 99
    # Over a file, too: the environment wins.
    path = write(tmp_path, "ui:\n  theme: colorblind\n  fps: 20\n")
    settings = load_settings(path, env={"COCKPIT_UI__THEME": "light"})
    assert (settings.ui.theme, settings.ui.fps) == ("light", 20)


def test_env_override_through_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_UI__THEME", "light")
    assert load_settings().ui.theme == "light"


def test_bad_env_value_names_the_field() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(None, env={"COCKPIT_UI__THEME": "neon"}, search=False)
    assert [p.location for p in info.value.problems] == ["ui.theme"]


def test_config_file_from_env_and_xdg(tmp_path: Path) -> None:
    path = write(tmp_path, "ui:\n  theme: light\n")
    assert load_settings(env={"COCKPIT_CONFIG": str(path)}).ui.theme == "light"
    xdg = Path(os.environ["XDG_CONFIG_HOME"]) / "cockpit" / "config.yaml"
    xdg.parent.mkdir(parents=True)
    xdg.write_text("ui:\n  theme: colorblind\n", encoding="utf-8")
    assert load_settings(env={}).ui.theme == "colorblind"
    assert load_settings(env={}, search=False).ui.theme == "dark"


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    text = "mode: paper\nui:\n  theme: dark\n   fps: 3\n"
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), env={})
    (problem,) = info.value.problems
    bad_line = text.splitlines()[3]
    assert problem.location == f"line 4, column {bad_line.index(':') + 1}"
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, "- a\n- b\n"), env={})
    assert [p.location for p in info.value.problems] == ["(top)"]


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.yaml", env={})
    assert info.value.problems[0].location == "file"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_validate_bad_config_exits_2_one_line_per_problem(tmp_path: Path) -> None:
    bad = write(tmp_path, "mode: paper\nui:\n  theme: purple\n  fsp: 10\n", "BAD.yaml")
    result = run_cli("config", "validate", str(bad))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert any("ui.theme" in line and str(bad) in line for line in lines)
    assert any("ui.fsp" in line and "unknown key" in line for line in lines)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


def test_cli_validate_good_config_and_syntax_error(tmp_path: Path) -> None:
    good = run_cli("config", "validate", str(PROJECT_ROOT / "config.yaml"))
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip().endswith(": ok")
    broken = write(tmp_path, "ui: [dark\n", "broken.yaml")
    result = run_cli("config", "validate", str(broken))
    assert result.returncode == 2
    assert "line " in result.stderr and "column " in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_output_piped_to_a_closed_reader_exits_quietly() -> None:
    """``cockpit config defaults | head -1``: no BrokenPipeError traceback, exit 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COCKPIT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "config", "defaults"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before reading, like `head` after its lines
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
