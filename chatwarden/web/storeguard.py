"""One writer at a time on SQLite.

SQLite allows one writer; a deferred transaction that reads and then writes (every audited
read does: it reads the chain's last entry, then appends) fails at once with "database is
locked" when another connection committed in between, whatever the busy timeout.  The web
app serves many requests at once in threads, so it hands the use cases a store whose
:meth:`transaction` takes a process-wide lock on SQLite.  Reads are not serialised (WAL
lets them run beside the writer); PostgreSQL is left as it is.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection


class SerialisedStore:
    """Wraps a :class:`chatwarden.store.Store`; everything but :meth:`transaction` is the
    wrapped store's own."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @property
    def wrapped(self) -> Any:
        return self._store

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._lock, self._store.transaction() as conn:
            yield conn


def guard(store: Any) -> Any:
    if store.engine.dialect.name == "sqlite":
        return SerialisedStore(store)
    return store
