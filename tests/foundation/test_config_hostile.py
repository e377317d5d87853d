"""Hostile configuration: each case exits non-zero with one clear line per problem, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.cli import main
from core.config import load_settings
from core.config_yaml import MAX_DEPTH
from core.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PWN = '!!python/object/apply:os.system ["touch pwned"]'


def _validate(capsys: pytest.CaptureFixture[str], path: Path | None, lines: int = 1) -> list[str]:
    """Run ``cockpit config validate``; it must fail with ``lines`` stderr lines."""
    args = ["config", "validate"] + ([str(path)] if path is not None else [])
    assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert captured.out == "" and len(err) == lines, captured.err
    assert all(line.startswith("cockpit: config error: ") for line in err)
    assert "Traceback" not in captured.err
    return [line.removeprefix("cockpit: config error: ") for line in err]


def _write(tmp_path: Path, data: str | bytes) -> Path:
    path = tmp_path / "config.yaml"
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_duplicate_keys_are_refused_naming_both_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "mode: paper\nui:\n  theme: dark\n  theme: light\nmode: live\n")
    assert _validate(capsys, path, lines=2) == [
        f"{path}: line 4, column 3: duplicate key 'theme' (first at line 3); remove one",
        f"{path}: line 5, column 1: duplicate key 'mode' (first at line 1); remove one",
    ]


def test_anchors_and_merges_are_not_duplicates(tmp_path: Path) -> None:
    text = "ui: &ui {theme: light}\nstore:\n  <<: {flush_ms: 5}\n  flush_ms: 7\n"
    settings = load_settings(_write(tmp_path, text), env={})
    assert (settings.ui.theme, settings.store.flush_ms) == ("light", 7)


def test_non_utf8_config_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, b"mode: paper\n# caf\xe9 au lait\n")
    (line,) = _validate(capsys, path)
    assert line == (
        f"{path}: line 2: not UTF-8 text (byte 0xe9: invalid continuation byte); save it as UTF-8"
    )


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000,
        "a: " + "{b: " * 5000 + "1" + "}" * 5000,
        "a:\n" + "".join(" " * i + "- \n" for i in range(1, 400)),
    ],
)
def test_deep_nesting_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    (line,) = _validate(capsys, _write(tmp_path, text))
    assert line.endswith(f"nested more than {MAX_DEPTH} levels deep")
    assert ": line 1, column " in line or ": line " in line


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        (PWN, "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!!binary aGVsbG8=", "!!binary"),
        ("!custom 3", "!custom"),
        ("!!int 3", "!!int"),
    ],
)
def test_yaml_tags_are_refused_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, tag: str
) -> None:
    path = _write(tmp_path, f"sim:\n  seed: {value}\n")
    assert _validate(capsys, path) == [
        f"{path}: line 2, column 9: YAML tag '{tag}' is not allowed in configuration"
    ]
    assert not (tmp_path / "pwned").exists()


def test_yaml_tags_are_refused_in_environment_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COCKPIT_SIM__SEED", PWN)
    monkeypatch.setenv("COCKPIT_UI__FPS", "[" * 3000)
    path = _write(tmp_path, "mode: paper\n")
    lines = _validate(capsys, path, lines=2)
    assert lines[0].startswith(f"{path}: COCKPIT_SIM__SEED: YAML tag '!!python/object/apply")
    assert lines[1] == (
        f"{path}: COCKPIT_UI__FPS: nested more than {MAX_DEPTH} levels deep (line 1, column 33)"
    )
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("key", ["api_key", "api_secret", "secret", "password", "apiKey"])
def test_config_validate_refuses_credentials_in_any_venue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    text = (
        "venues:\n"
        "  - {name: sim-a, kind: sim}\n"
        f"  - {{name: kraken, kind: kraken, {key}: s3cr3t-value}}\n"
    )
    path = _write(tmp_path, text)
    (line,) = _validate(capsys, path)
    assert line.startswith(f"{path}: venues.1.{key}: credentials in the config file are refused")
    assert "s3cr3t-value" not in line


def test_every_problem_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_SIM__SEED", "!!int 3")
    text = (
        "mode: paper\nmode: live\nui: {theme: purple}\n"
        "venues:\n  - {name: k, kind: kraken, api_key: x}\n"
    )
    path = _write(tmp_path, text)
    lines = _validate(capsys, path, lines=4)
    assert [line.removeprefix(f"{path}: ").split(": ")[0] for line in lines] == [
        "line 2, column 1",
        "COCKPIT_SIM__SEED",
        "venues.0.api_key",
        "ui.theme",
    ]


def test_load_settings_raises_config_error_not_recursion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nested more than"):
        load_settings(_write(tmp_path, "x: " + "[" * 100_000), env={})


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, "sim:\n  seed: 1\n")
    env = {**os.environ, "COCKPIT_SIM__SEED": PWN}
    proc = subprocess.run(
        [sys.executable, "-m", "cockpit", "config", "validate", str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "COCKPIT_SIM__SEED: YAML tag" in proc.stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("t.yaml", "BTC: 50\nBTC: 60\n", "line 2, column 1: duplicate key 'BTC'"),
        ("t.yaml", f"BTC: {PWN}\n", "line 1, column 6: YAML tag '!!python/object/apply"),
        ("t.yaml", "BTC: " + "[" * 5000, f"line 1, column 37: nested more than {MAX_DEPTH} levels"),
        ("t.json", '{"BTC": ' + "[" * 100_000, "file: nested too deep"),
        ("t.json", '{"BTC": ' + "1" * 5000 + "}", "file: Exceeds the limit"),
    ],
)
def test_targets_files_get_the_same_strictness(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    from core.plan.targets import load_targets_file

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_targets_file(path)
    assert str(info.value).startswith(f"{path}: {problem}"), str(info.value)
    assert "\n" not in str(info.value)
