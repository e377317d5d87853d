"""The audit chain's anchor: its head (last id and hash) kept outside the database, keyed.

A hash chain inside one table proves that no row in the middle was edited, but not that the
tail is complete: delete the last rows, or append rows with freshly computed hashes, and the
table still chains. So the chain's head lives in a sidecar file next to the database
(``<db>.audit-head``, mode 0600), authenticated with an HMAC under a per-installation secret
(``audit.key`` in the database's directory, mode 0600, 32 random bytes). Someone who can write
the database but cannot read the secret can neither move the head nor append rows it covers.

Crash safety: before a commit that carries audit rows the anchor records the head it is about
to reach as ``pending``; after the commit it records that head as the head and clears
``pending``. A crash between the two leaves the database at either the old head or the pending
one, both of which verify; any other tail is a break. Each write is atomic (temporary file,
fsync, rename, fsync of the directory), so the anchor is always one whole record.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from core.errors import StoreError

KEY_NAME = "audit.key"
ANCHOR_SUFFIX = ".audit-head"
FORMAT_VERSION = 1


class AnchorUnreadable(StoreError):
    """The anchor file exists but is not a record this cockpit wrote (or the key is gone)."""

    title = "Audit anchor unreadable"


@dataclass(frozen=True, slots=True)
class Head:
    """A point in the chain: a row id and that row's hash (id 0 is the empty chain)."""

    id: int
    hash: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """What the sidecar holds: the committed head and, mid-commit, the head about to be."""

    head: Head
    pending: Head | None = None


def anchor_path(db_path: Path) -> Path:
    """The sidecar of the database at ``db_path``."""
    return db_path.with_name(db_path.name + ANCHOR_SUFFIX)


def key_path(db_path: Path) -> Path:
    """The installation's secret, beside its databases."""
    return db_path.parent / KEY_NAME


def read_key(path: Path) -> bytes | None:
    """The secret at ``path``, or None when there is none."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorUnreadable(f"{path}: cannot read the audit key: {exc}") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise AnchorUnreadable(f"{path}: the audit key is not hex") from None
    if len(key) < 16:
        raise AnchorUnreadable(f"{path}: the audit key is too short")
    return key


def create_key(path: Path) -> bytes:
    """Create a new secret at ``path`` (0600, never overwriting one that exists)."""
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)
    return key


def load_or_create_key(path: Path) -> bytes:
    key = read_key(path)
    if key is not None:
        return key
    try:
        return create_key(path)
    except FileExistsError:  # another process created it meanwhile
        key = read_key(path)
        assert key is not None
        return key


def _body(anchor: Anchor) -> dict[str, object]:
    pending = anchor.pending
    return {
        "v": FORMAT_VERSION,
        "head": {"id": anchor.head.id, "hash": anchor.head.hash},
        "pending": None if pending is None else {"id": pending.id, "hash": pending.hash},
    }


def _mac(key: bytes, body: dict[str, object]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def encode(anchor: Anchor, key: bytes) -> bytes:
    body = _body(anchor)
    return json.dumps({**body, "mac": _mac(key, body)}, sort_keys=True).encode() + b"\n"


def decode(data: bytes, key: bytes, *, source: str) -> Anchor:
    """Parse and authenticate an anchor record; :class:`AnchorUnreadable` if it is not one."""
    try:
        raw = json.loads(data)
        body = {"v": raw["v"], "head": raw["head"], "pending": raw["pending"]}
        mac = str(raw["mac"])
        head = Head(int(raw["head"]["id"]), str(raw["head"]["hash"]))
        p = raw["pending"]
        pending = None if p is None else Head(int(p["id"]), str(p["hash"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise AnchorUnreadable(f"{source}: not an audit anchor record ({exc})") from None
    if not hmac.compare_digest(mac, _mac(key, body)):
        raise AnchorUnreadable(f"{source}: the anchor's MAC does not match (forged or rekeyed)")
    return Anchor(head, pending)


def read_anchor(path: Path, key: bytes) -> Anchor | None:
    """The anchor at ``path``; None when there is no file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnchorUnreadable(f"{path}: cannot read the audit anchor: {exc}") from exc
    return decode(data, key, source=str(path))


def write_anchor(path: Path, key: bytes, anchor: Anchor) -> None:
    """Replace the anchor atomically: write a temporary file, fsync, rename, fsync the dir."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, encode(anchor, key))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
