"""SQLCipher connections: keying, pragmas, and the translation of SQLite failures into the store's typed errors.

The key is set on the raw DBAPI connection inside the connection creator, so it never passes through SQLAlchemy's
statement logging, parameters or exception text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool, StaticPool

from app.config import TerminalConfig
from app.models.errors import (
    StoreBusy,
    StoreCorrupt,
    StoreDiskFull,
    StoreError,
    StoreKeyWrong,
    StoreNotADatabase,
    StoreTruncated,
)

MASTER_KEY_BYTES = 32
PAGE_SIZE = 4096
PLAIN_SQLITE_MAGIC = b"SQLite format 3\x00"
# A page failing SQLCipher's HMAC past page 1 surfaces as SQLITE_ERROR with only SQLite's generic text;
# ordinary SQL errors always carry a specific message ("no such table: ...").
CODEC_ERROR_MESSAGE = "SQL logic error"

# Primary SQLite result codes (https://www.sqlite.org/rescode.html).
SQLITE_ERROR = 1
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_NOTADB = 26


@dataclass(frozen=True)
class StoreSettings:
    """The per-connection settings of a store, applied alike to the encrypted store and to the bench's baseline."""

    busy_timeout_ms: int = 5000
    cipher_memory_security: bool = False
    # Negative: KiB. Large enough that hot index pages are decrypted once, not once per query.
    cache_size_kib: int = 65536
    wal_autocheckpoint_pages: int = 4000

    @classmethod
    def from_config(cls, config: TerminalConfig) -> StoreSettings:
        return cls(busy_timeout_ms=config.busy_timeout_ms, cipher_memory_security=config.cipher_memory_security)


def apply_key(conn: Any, master_key: bytes, settings: StoreSettings) -> None:
    """Key a fresh sqlcipher3 connection with the raw 256-bit master key (no KDF)."""
    if len(master_key) != MASTER_KEY_BYTES:
        raise ValueError("the master key must be 32 bytes")
    cursor = conn.cursor()
    try:
        cursor.execute("PRAGMA key = \"x'" + master_key.hex() + "'\"")
        cursor.execute("PRAGMA cipher_compatibility = 4")
        cursor.execute(f"PRAGMA cipher_memory_security = {'ON' if settings.cipher_memory_security else 'OFF'}")
    finally:
        cursor.close()


def apply_pragmas(conn: Any, settings: StoreSettings, *, read_only: bool) -> None:
    """The pragmas every store connection runs with (the bench applies the same ones to its plain baseline)."""
    cursor = conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(settings.busy_timeout_ms)}")
        # Reading the schema here is the key check: a wrong key fails now, not at the first query.
        cursor.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA cache_size = -{int(settings.cache_size_kib)}")
        cursor.execute("PRAGMA temp_store = MEMORY")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            # FULL: a commit that returned survives a power cut, not only a crash of the program.
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(settings.wal_autocheckpoint_pages)}")
    finally:
        cursor.close()


def _primary_code(exc: BaseException | None) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _inspect_file(path: Path, code: int) -> StoreError:
    """Why SQLite could not read ``path``: a plain SQLite file, a cut-off file, a key that does not fit, damage."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(len(PLAIN_SQLITE_MAGIC))
    except OSError:
        return StoreCorrupt(f"cannot read {path.name}")
    if head == PLAIN_SQLITE_MAGIC:
        return StoreNotADatabase(f"{path.name} is an unencrypted SQLite file")
    if size < PAGE_SIZE or size % PAGE_SIZE:
        return StoreTruncated(f"{path.name}: {size} bytes is not a whole number of pages")
    if code == SQLITE_NOTADB:
        return StoreKeyWrong(f"{path.name}: the key does not decrypt page 1")
    return StoreCorrupt(f"{path.name}: SQLITE_CORRUPT")


def translate_error(exc: BaseException | None, path: Path) -> StoreError | None:
    """The typed error for a SQLite failure, or None when it is not about the store itself (e.g. a constraint)."""
    code = _primary_code(exc)
    name = getattr(exc, "sqlite_errorname", "unknown")
    if code in (SQLITE_NOTADB, SQLITE_CORRUPT):
        return _inspect_file(path, code)
    if code == SQLITE_ERROR and str(exc) == CODEC_ERROR_MESSAGE:
        return _inspect_file(path, SQLITE_CORRUPT)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreBusy(f"{path.name}: {name}")
    if code == SQLITE_FULL:
        return StoreDiskFull(f"{path.name}: {name}")
    if code == SQLITE_IOERR:
        return StoreError(f"{path.name}: {name}", user_message="读写本地数据库时发生磁盘错误。")
    return None


def connect_raw(path: Path, master_key: bytes, settings: StoreSettings, *, read_only: bool) -> Any:
    """A keyed, configured sqlcipher3 connection; a failure is the store's typed error and the file is untouched."""
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        apply_key(conn, master_key, settings)
        apply_pragmas(conn, settings, read_only=read_only)
    except sqlcipher3.Error as exc:
        conn.close()
        translated = translate_error(exc, path)
        if translated is None:
            raise StoreError(f"{path.name}: cannot configure connection") from None
        raise translated from None
    except BaseException:
        conn.close()
        raise
    return conn


def _begin_with(statement: str) -> Callable[[Connection], None]:
    def begin(conn: Connection) -> None:
        conn.exec_driver_sql(statement)

    return begin


def make_engine(path: Path, master_key: bytes, settings: StoreSettings, *, read_only: bool) -> Engine:
    """The writer engine (one connection, BEGIN IMMEDIATE) or the readers' engine (a small pool, query_only)."""

    def creator() -> Any:
        return connect_raw(path, master_key, settings, read_only=read_only)

    engine = create_engine(
        "sqlite://",
        module=sqlcipher3,
        creator=creator,
        poolclass=QueuePool if read_only else StaticPool,
        hide_parameters=True,
        **({"pool_size": 4, "max_overflow": 4} if read_only else {}),
    )
    # The driver runs in autocommit mode; SQLAlchemy's "begin" opens the real transaction. The writer takes the
    # write lock up front so that a transaction never fails half-way on a lock upgrade.
    event.listen(engine, "begin", _begin_with("BEGIN" if read_only else "BEGIN IMMEDIATE"))
    return engine
