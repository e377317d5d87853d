"""Private files: a data directory cockpit creates is 0700; databases with their WAL and shm,
the instance lock and logs are 0600, and looser existing ones are tightened when opened."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Settings
from core.daemon.logs import configure_file_logging, configure_json_logging
from core.store import Store
from tests.daemon.conftest import running_daemon


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved
        root.setLevel(level)


async def test_a_running_daemon_keeps_its_files_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"  # neither exists yet: the daemon creates both
    async with running_daemon(data) as daemon:
        db = daemon.db
        files = [db, db.with_name("cockpit.db-wal"), db.with_name("cockpit.db-shm")]
        files += [db.with_name("cockpit.db.lock"), db.with_name("cockpit.db.audit-head")]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(data) == 0o700 and mode(data.parent) == 0o700
        code, _, _ = await daemon.terminate()
    assert code == 0 and mode(db) == 0o600 and mode(data / "audit.key") == 0o600


async def test_loose_database_files_are_tightened_at_open(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    os.chmod(tmp_path, 0o755)
    store = await Store.open(db)
    await store.close()
    old = os.umask(0o022)
    try:
        for suffix in ("", "-wal", "-shm"):
            path = db.with_name(db.name + suffix)
            path.touch()
            os.chmod(path, 0o644)
    finally:
        os.umask(old)
    store = await Store.open(db)
    try:
        await store.add_durable("INSERT INTO exec_flags VALUES ('k', '1')", ())
        for suffix in ("", "-wal", "-shm"):
            assert mode(db.with_name(db.name + suffix)) == 0o600
    finally:
        await store.close()
    assert mode(tmp_path) == 0o755  # a directory cockpit did not create is left alone


def test_log_files_are_0600_even_after_rotation_or_when_found_loose(
    tmp_path: Path, restore_logging: None
) -> None:
    loose = tmp_path / "tui" / "cockpit.log"
    loose.parent.mkdir()
    loose.write_text("old line\n")
    os.chmod(loose, 0o644)
    configure_file_logging(loose, "INFO")
    logging.getLogger("test").warning("hello")
    assert mode(loose) == 0o600 and "hello" in loose.read_text()
    for handler in logging.getLogger().handlers:
        handler.close()

    daemon_log = tmp_path / "daemon" / "logs" / "daemon.log"
    settings = Settings.model_validate({"daemon": {"log_file": str(daemon_log)}})
    configure_json_logging(settings)
    logging.getLogger("test").warning("before rotation")
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.doRollover()
    logging.getLogger("test").warning("after rotation")
    rotated = daemon_log.with_name("daemon.log.1")
    assert mode(daemon_log) == 0o600 and mode(rotated) == 0o600
    assert mode(daemon_log.parent) == 0o700 and mode(daemon_log.parent.parent) == 0o700
