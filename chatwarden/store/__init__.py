"""The case store: SQLAlchemy tables for SQLite and PostgreSQL, migrations, typed
read/write functions that never commit, the blob folder and the hash-chained audit log."""

from chatwarden.store.db import Store

__all__ = ["Store"]
