"""API credentials for live venues: from environment variables or a 0600 secret file.

Keys are held as :class:`pydantic.SecretStr` so ``repr``/``str`` of anything holding them show
``**********``; they are only revealed at the one place that hands them to ccxt. Errors name the
variable or the file, never the value.

Secret file format: ``key: VALUE`` and ``secret: VALUE`` lines (``=`` works too; ``#`` starts a
comment). The file must not be readable or writable by group or others: a key file others can
read is refused, naming the file and its mode, rather than silently used.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from core.errors import ConfigError, ConfigProblem
from core.redact import protect, protect_sources, register_secret


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key pair; ``repr`` never shows either half."""

    key: SecretStr
    secret: SecretStr
    source: str
    """Where they came from (an env var name or a file path), for messages."""

    def __repr__(self) -> str:
        return f"Credentials(source={self.source!r})"

    __str__ = __repr__


def _problem(where: str, message: str) -> ConfigError:
    return ConfigError("config", [ConfigProblem(where, message)])


def read_secret_file(path: Path, where: str) -> Credentials:
    """Read ``key``/``secret`` from ``path``; refuse it unless only its owner can access it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise _problem(where, f"cannot read secret file {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise _problem(
            where,
            f"secret file {path} has mode {mode:04o}; it must be 0600 (run: chmod 600 {path})",
        )
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, value = text.replace("=", ":", 1).partition(":")
        if not sep or name.strip().lower() not in ("key", "secret"):
            raise _problem(where, f"{path}:{number}: expected 'key: ...' or 'secret: ...'")
        values[name.strip().lower()] = value.strip().strip("'\"")
    missing = [n for n in ("key", "secret") if not values.get(n)]
    if missing:
        raise _problem(where, f"secret file {path} has no {' or '.join(missing)}")
    return Credentials(SecretStr(values["key"]), SecretStr(values["secret"]), str(path))


def load_credentials(
    venue: str,
    *,
    key_env: str | None,
    secret_env: str | None,
    secret_file: Path | None,
    environ: dict[str, str] | None = None,
) -> Credentials | None:
    """The venue's keys, or ``None`` when none are configured (public market data only).

    Environment variables win over the file when both are configured and set.
    """
    env = os.environ if environ is None else environ
    where = f"venues.{venue}"
    if key_env or secret_env:
        if not (key_env and secret_env):
            raise _problem(where, "api_key_env and api_secret_env must be set together")
        key, secret = env.get(key_env), env.get(secret_env)
        if key and secret:
            return Credentials(SecretStr(key), SecretStr(secret), f"${key_env}/${secret_env}")
        if secret_file is None:
            unset = [n for n, v in ((key_env, key), (secret_env, secret)) if not v]
            raise _problem(where, f"environment variable(s) {', '.join(unset)} not set")
    if secret_file is not None:
        return read_secret_file(secret_file.expanduser(), f"{where}.secret_file")
    return None


def redact_in_logs(logger: logging.Logger, credentials: Credentials) -> None:
    """Keep ``credentials``, and every request signature, out of everything ``logger`` writes
    (ccxt logs signed URLs and request headers, API key included, at DEBUG level)."""
    register_secret(credentials.key.get_secret_value(), credentials.secret.get_secret_value())
    protect(logger)
    protect_sources()
