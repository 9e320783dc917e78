"""Opening the store: the database (SQLite file by default, PostgreSQL by URL), its
migrations, and the content-addressed blob folder beside it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from chatwarden.config import Settings
from chatwarden.errors import StoreError
from chatwarden.store.blobs import BlobStore

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


BULK_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def bulk_writes(conn: Connection) -> Iterator[None]:
    """A bigger SQLite page cache (up to 128 MiB, taken only as pages are used) while this
    connection writes a large batch set in one transaction, then the connection's own
    setting again.  Message identities are hashes, so their unique index is written at
    random places: with SQLite's default 2 MiB cache a million-message import keeps
    spilling and re-reading index pages.  Nothing changes on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        try:
            conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")
        except DBAPIError:  # the connection is failing anyway; the pool discards it
            pass


SQLITE_ANALYSIS_LIMIT = 1000  # rows sampled per index by a SQLite ANALYZE


def _json_dumps(value) -> str:  # noqa: ANN001
    return orjson.dumps(value, default=str).decode("utf-8")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, future=True, json_serializer=_json_dumps, json_deserializer=orjson.loads)
        event.listen(eng, "connect", _sqlite_pragmas)
        return eng
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         json_serializer=_json_dumps, json_deserializer=orjson.loads)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic, run in-process)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no table yet
            return None


@dataclass
class Store:
    """The database plus the blob folder.  Use :meth:`transaction` for every change: the
    use case owns the transaction; repository functions never commit."""

    engine: Engine
    blobs: BlobStore
    settings: Settings

    @classmethod
    def open(cls, settings: Settings, *, create: bool = True) -> Store:
        data = settings.data_path
        if settings.database_url == "" or settings.db_url.startswith("sqlite"):
            if create:
                data.mkdir(parents=True, exist_ok=True)
            elif not data.is_dir():
                raise StoreError(f"{data}: no chatwarden data folder here (run an import first, or set --data-dir)")
        engine = make_engine(settings.db_url)
        try:
            migrate(engine)
        except Exception as exc:  # noqa: BLE001
            engine.dispose()
            raise StoreError(f"cannot open the database ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
        blobs = BlobStore(data / "blobs")
        store = cls(engine, blobs, settings)
        with store.transaction() as conn:
            blobs.recover(conn)
        return store

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One database transaction.  Blobs staged in it (``blobs.stage(conn, …)``) are
        moved into place only after the commit, and dropped if it fails."""
        staged: list[Path] = []
        try:
            with self.engine.begin() as conn:
                conn.info["staged_blobs"] = staged
                yield conn
        except BaseException:
            self.blobs.discard(staged)
            raise
        self.blobs.publish(staged)

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def refresh_statistics(self, *tables: str) -> bool:
        """After a bulk load (a big import), give the planner the tables' new shape at once.
        PostgreSQL: ANALYZE rather than waiting for autovacuum; with statistics from before
        the load it sorts every open finding for a review-queue page instead of walking the
        queue index (about 120 ms a page against 27 ms after 20,000 findings).  Outside any
        transaction; gives up (False) after 2 s if a vacuum holds a table.  SQLite: a
        sampled ANALYZE (``analysis_limit``, milliseconds even at millions of rows); without
        it, statistics from an earlier ANALYZE, or none for a newer index, can lead the
        planner to sort the queue instead of walking its index (2 s a page at 100,000
        findings).  Gives up (False) when the database is busy."""
        if not tables:
            return False
        quoted = ", ".join(self.engine.dialect.identifier_preparer.quote(t) for t in tables)
        try:
            with self.engine.connect() as conn:
                if self.engine.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                    conn.exec_driver_sql("SET lock_timeout = '2s'")
                    conn.exec_driver_sql("ANALYZE " + quoted)
                    conn.exec_driver_sql("RESET lock_timeout")
                else:
                    conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
                    for t in tables:
                        conn.exec_driver_sql("ANALYZE " + self.engine.dialect.identifier_preparer.quote(t))
                    conn.commit()
        except DBAPIError:
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()
