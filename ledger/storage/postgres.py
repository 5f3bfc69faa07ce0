"""The library's PostgreSQL factory, connecting with the ledger's libpq connection string.

``eventsourcing`` builds its pool from five fields (host, port, database, user, password),
which would drop ``sslmode``, a ``service``, several hosts and every other libpq parameter,
and override the ``PG*`` environment with empty values. This factory gives the pool the
connection string itself (:attr:`ledger.storage.store.StoreConfig.conninfo`), as
:meth:`~ledger.storage.store.StoreConfig.connect` does for the ledger's own connections.
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment
from psycopg.rows import dict_row

from ledger.storage.store import CONNINFO_ENV

__all__ = ["ConninfoPostgresFactory"]

# The library requires these; their values are never used (the pool's keyword arguments are
# replaced below, so nothing of them reaches libpq).
_UNUSED = ("POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD")


class ConninfoPostgresFactory(PostgresFactory):
    """``PostgresFactory`` whose pool connects with ``LIFELEDGER_CONNINFO`` unchanged."""

    def __init__(self, env: Environment | dict[str, str] | None) -> None:
        given = env if isinstance(env, Environment) else Environment(env=env)
        full = Environment(given.name, {**dict.fromkeys(_UNUSED, ""), **given})
        super().__init__(full)
        pool = self.datastore.pool
        pool.conninfo = full.get(CONNINFO_ENV) or ""
        pool.kwargs = {"row_factory": dict_row}
