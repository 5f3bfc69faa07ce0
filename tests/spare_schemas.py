"""PostgreSQL ledger schemas emptied for the next test instead of dropped and made anew.

Creating a ledger's tables, indexes, row type and function costs PostgreSQL ten times what its
first events do (about 0.1 s of the server's time and as much again in dropping them, for
each of some 450 ``app`` fixtures of a run). A schema that a test leaves exactly as a new
ledger is made (the same tables, columns, indexes, constraints, types, functions, owners and
privileges; only their rows differ) is emptied, its sequence restarted, and handed to the next
``app`` fixture of the same process, which then finds what the library's ``create_table``
would have made. Tables a test added (the read models) are dropped first; anything else a
test changed (a trigger, a grant, a dropped index, a new function) drops the whole schema, as
before. Only the ``app`` fixture takes spare schemas: a test given ``store_url`` alone gets a
schema that does not exist yet, as every test did before.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from ledger.storage.store import StoreConfig

#: Every object of the schema, as text, its rows excluded (``{schema}`` is the schema's oid).
_CATALOG = """
SELECT 'schema ' || n.nspowner::regrole::text || ' ' || coalesce(n.nspacl::text, '')
  FROM pg_namespace n WHERE n.oid = {schema}
UNION ALL
SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' ' || c.relowner::regrole::text || ' '
       || coalesce(c.relacl::text, '') || ' ' || c.relpersistence::text || ' ' || c.relrowsecurity
       || ' ' || c.relforcerowsecurity || ' ' || c.relhastriggers || ' ' || c.relhasrules
       || ' ' || coalesce(c.reloptions::text, '') || ' ' || (c.reltoastrelid <> 0)
  FROM pg_class c WHERE c.relnamespace = {schema}
UNION ALL
SELECT 'column ' || c.relname || ' ' || a.attnum || ' ' || a.attname || ' '
       || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || a.attisdropped
       || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' '
       || coalesce(a.attacl::text, '') || ' ' || a.attidentity::text || a.attgenerated::text
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = {schema} AND a.attnum > 0
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = {schema}
UNION ALL
SELECT 'constraint ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
  FROM pg_constraint co WHERE co.connamespace = {schema}
UNION ALL
SELECT 'trigger ' || c.relname || ' ' || t.tgname
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = {schema}
UNION ALL
SELECT 'rule ' || r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
  WHERE c.relnamespace = {schema}
UNION ALL
SELECT 'policy ' || p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
  WHERE c.relnamespace = {schema}
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text || ' ' || p.proowner::regrole::text || ' '
       || coalesce(p.proacl::text, '') || ' ' || p.prosecdef || ' ' || md5(p.prosrc)
       || ' ' || coalesce(p.proconfig::text, '')
  FROM pg_proc p WHERE p.pronamespace = {schema}
UNION ALL
SELECT 'type ' || t.typname || ' ' || t.typtype::text || ' ' || t.typowner::regrole::text || ' '
       || coalesce(t.typacl::text, '')
  FROM pg_type t WHERE t.typnamespace = {schema}
UNION ALL
SELECT 'default privileges ' || coalesce(d.defaclacl::text, '')
  FROM pg_default_acl d WHERE d.defaclnamespace = {schema}
UNION ALL
SELECT 'sequence ' || c.relname || ' ' || s.seqstart || ' ' || s.seqincrement || ' '
       || s.seqmax || ' ' || s.seqmin || ' ' || s.seqcache || ' ' || s.seqcycle
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = {schema}
"""


class SpareSchemas:
    """The spare schemas of one test process, and what a new ledger's schema holds."""

    def __init__(self) -> None:
        self.spare: list[str] = []
        self._new_ledger: tuple[frozenset[str], str] | None = None

    def take(self) -> str | None:
        return self.spare.pop() if self.spare else None

    def made(self, url: str) -> None:
        """Remember what a ledger schema holds as the ``app`` fixture makes it (once)."""
        if self._new_ledger is None:
            cfg = StoreConfig.parse(url)
            with cfg.connect() as conn:
                self._new_ledger = (_tables(conn, cfg.schema), _catalog(conn, cfg.schema))

    def give_back(self, url: str) -> bool:
        """Empty the schema at ``url`` for the next ``app`` if the test left it as a new
        ledger is made (tables it added are dropped); False: it must be dropped."""
        if self._new_ledger is None:
            return False
        try:
            kept = self._empty(StoreConfig.parse(url).schema, url)
        except psycopg.Error:
            return False
        if kept:
            self.spare.append(StoreConfig.parse(url).schema)
        return kept

    def _empty(self, schema: str, url: str) -> bool:
        assert self._new_ledger is not None
        tables, catalog = self._new_ledger
        with StoreConfig.parse(url).connect() as conn:
            conn.execute("SET lock_timeout = '10s'")
            with conn.transaction():
                for table in sorted(_tables(conn, schema) - tables):
                    conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(
                        sql.Identifier(schema, table)))  # fmt: skip
                if _catalog(conn, schema) != catalog:
                    return False
                # No other session writes from here on; each DELETE reads after the lock.
                names = sql.SQL(", ").join(sql.Identifier(schema, t) for t in sorted(tables))
                conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(names))
                for table in sorted(tables):
                    conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(schema, table)))
                conn.execute(
                    "SELECT setval(c.oid, s.seqstart, false) FROM pg_sequence s"
                    " JOIN pg_class c ON c.oid = s.seqrelid"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
                    (schema,),
                )
        return True


Connection = psycopg.Connection[Any]


def _tables(conn: Connection, schema: str) -> frozenset[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
    return frozenset(str(name) for (name,) in rows.fetchall())


def _catalog(conn: Connection, schema: str) -> str:
    """A digest of the schema's objects, each named without the schema (so that two schemas
    compare)."""
    query = (
        "SELECT md5(string_agg(y, E'\\n' ORDER BY y)) FROM (SELECT replace(replace(x, %s,"
        " 'SCHEMA'), %s, 'SCHEMA') FROM (" + _CATALOG + ") AS objects (x)) AS named (y)"
    )
    oid = conn.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    if oid is None:
        return ""
    row = conn.execute(query.format(schema=int(oid[0])), (f'"{schema}"', schema)).fetchone()
    return str(row[0]) if row else ""
