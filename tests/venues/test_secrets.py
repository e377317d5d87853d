"""API keys: from environment variables or a 0600 file, never shown in repr, logs or errors."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from core.bootstrap import build_core
from core.config import Settings, load_settings
from core.errors import ConfigError
from core.venues.secrets import load_credentials

KEY, SECRET = "k3y-VALUE-1234567890", "s3cret-VALUE-abcdefghij"


def secret_file(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "kraken.keys"
    path.write_text(f"# my kraken keys\nkey: {KEY}\nsecret = {SECRET}\n")
    os.chmod(path, mode)
    return path


def test_secret_file_with_mode_0600_is_read(tmp_path: Path) -> None:
    path = secret_file(tmp_path, 0o600)
    creds = load_credentials("kraken", key_env=None, secret_env=None, secret_file=path)
    assert creds is not None
    assert (creds.key.get_secret_value(), creds.secret.get_secret_value()) == (KEY, SECRET)
    assert KEY not in repr(creds) and SECRET not in str(creds) and str(path) in repr(creds)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_secret_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path, mode)
    with pytest.raises(ConfigError) as info:
        load_credentials("kraken", key_env=None, secret_env=None, secret_file=path)
    message = str(info.value)
    assert str(path) in message and f"{mode:04o}" in message and "0600" in message
    assert KEY not in message and SECRET not in message
    assert info.value.problems[0].location == "venues.kraken.secret_file"


def test_secret_file_problems_name_the_file_not_the_values(tmp_path: Path) -> None:
    path = tmp_path / "bad.keys"
    path.write_text(f"key: {KEY}\npassword: {SECRET}\n")
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError) as info:
        load_credentials("bn", key_env=None, secret_env=None, secret_file=path)
    assert f"{path}:2" in str(info.value) and SECRET not in str(info.value)
    with pytest.raises(ConfigError, match="cannot read secret file"):
        load_credentials("bn", key_env=None, secret_env=None, secret_file=tmp_path / "none")


def test_keys_from_environment_variables() -> None:
    env = {"KR_KEY": KEY, "KR_SECRET": SECRET}
    creds = load_credentials(
        "kraken", key_env="KR_KEY", secret_env="KR_SECRET", secret_file=None, environ=env
    )
    assert creds is not None and creds.key.get_secret_value() == KEY
    assert creds.source == "$KR_KEY/$KR_SECRET"
    with pytest.raises(ConfigError, match="KR_SECRET not set"):
        load_credentials(
            "kraken",
            key_env="KR_KEY",
            secret_env="KR_SECRET",
            secret_file=None,
            environ={"KR_KEY": KEY},
        )
    with pytest.raises(ConfigError, match="set together"):
        load_credentials("kraken", key_env="KR_KEY", secret_env=None, secret_file=None, environ=env)
    assert load_credentials("kraken", key_env=None, secret_env=None, secret_file=None) is None


async def test_venue_with_keys_never_shows_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = secret_file(tmp_path, 0o600)
    settings = Settings.model_validate(
        {
            "venues": [{"name": "kraken", "kind": "kraken", "secret_file": str(path)}],
            "store": {"path": str(tmp_path / "c.db")},
        }
    )
    core = build_core(settings)
    venue = core.venues["kraken"]
    try:
        shown = " ".join([repr(venue), str(venue), repr(settings), caplog.text])
        shown += repr(vars(venue)) + repr(vars(vars(venue)["rest"]))
        assert "with keys" in repr(venue)
        assert KEY not in shown and SECRET not in shown
    finally:
        await venue.close()


def test_bad_secret_file_is_a_clean_config_error_from_build_core(tmp_path: Path) -> None:
    path = secret_file(tmp_path, 0o644)
    settings = Settings.model_validate(
        {"venues": [{"name": "kraken", "kind": "kraken", "secret_file": str(path)}]}
    )
    with pytest.raises(ConfigError) as info:
        build_core(settings)
    assert "chmod 600" in str(info.value) and KEY not in str(info.value)
    inline = tmp_path / "inline.yaml"
    inline.write_text(f"venues:\n  - {{name: kraken, kind: kraken, api_key: {KEY}}}\n")
    with pytest.raises(ConfigError, match="credentials in the config file are refused") as info2:
        load_settings(inline, env={})
    assert KEY not in str(info2.value)
