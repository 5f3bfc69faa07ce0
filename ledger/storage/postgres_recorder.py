"""The PostgreSQL application recorder: the events, their Merkle leaves, the person and case
indexes and the signer's key check in one transaction (see :mod:`ledger.storage.recorders`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier, Literal

from ledger.domain.ids import REGISTRY_ID
from ledger.storage.recorders import (
    CHECKPOINTS_TABLE,
    COSIGNATURES_TABLE,
    LEAVES_TABLE,
    RegistryRows,
    SignerCheckHook,
    _index_input,
    leaf_rows,
)
from ledger.transparency import case_dates
from ledger.transparency.case_dates import DATES_EVENTS_TABLE, DATES_NODES_TABLE
from ledger.transparency.case_index import CASE_EVENTS_TABLE, CASE_NODES_TABLE, named_rows
from ledger.transparency.person_index import (
    PERSON_EVENTS_TABLE,
    PERSON_NODES_TABLE,
    chain_rows,
    extend_chains,
    registered_person,
)


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    """The PostgreSQL application recorder plus the Merkle leaves and checkpoints tables."""

    signer_check: SignerCheckHook | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "leaf_index bigint PRIMARY KEY, "
                "notification_id bigint NOT NULL UNIQUE, "
                "leaf_hash bytea NOT NULL)"
            ).format(schema, Identifier(LEAVES_TABLE)),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "tree_size bigint PRIMARY KEY, "
                "root bytea NOT NULL, "
                "note bytea NOT NULL, "
                "created_at text NOT NULL)"
            ).format(schema, Identifier(CHECKPOINTS_TABLE)),
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "tree_size bigint NOT NULL, "
                "vkey text NOT NULL, "
                "line bytea NOT NULL, "
                "created_at text NOT NULL, "
                "PRIMARY KEY (tree_size, vkey))"
            ).format(schema, Identifier(COSIGNATURES_TABLE)),
        ]
        for chains, nodes, key in (
            (PERSON_EVENTS_TABLE, PERSON_NODES_TABLE, "personnel_no"),
            (CASE_EVENTS_TABLE, CASE_NODES_TABLE, "subject"),
            (DATES_EVENTS_TABLE, DATES_NODES_TABLE, "subject"),
        ):
            self.sql_create_statements += [
                SQL(
                    "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                    "{2} text NOT NULL, "
                    "seq bigint NOT NULL, "
                    "leaf_index bigint NOT NULL, "
                    "chain bytea NOT NULL, "
                    "PRIMARY KEY ({2}, seq))"
                ).format(schema, Identifier(chains), Identifier(key)),
                SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} (leaf_index)").format(
                    Identifier(chains + "_leaf"), schema, Identifier(chains)
                ),
                SQL(
                    "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                    "path text NOT NULL, "
                    "version bigint NOT NULL, "
                    "hash bytea NOT NULL, "
                    "leaf_key bytea, "
                    "leaf_value bytea, "
                    "PRIMARY KEY (path, version))"
                ).format(schema, Identifier(nodes)),
            ]
        self._insert_person_event = SQL("INSERT INTO {0}.{1} VALUES (%s, %s, %s, %s)").format(
            schema, Identifier(PERSON_EVENTS_TABLE)
        )
        self._insert_case_event = SQL("INSERT INTO {0}.{1} VALUES (%s, %s, %s, %s)").format(
            schema, Identifier(CASE_EVENTS_TABLE)
        )
        self._select_head = SQL(
            "SELECT seq, chain FROM {0}.{1} WHERE personnel_no = %s ORDER BY seq DESC LIMIT 1"
        ).format(schema, Identifier(PERSON_EVENTS_TABLE))
        self._select_case_head = SQL(
            "SELECT seq, chain FROM {0}.{1} WHERE subject = %s ORDER BY seq DESC LIMIT 1"
        ).format(schema, Identifier(CASE_EVENTS_TABLE))
        self._insert_dates_event = SQL("INSERT INTO {0}.{1} VALUES (%s, %s, %s, %s)").format(
            schema, Identifier(DATES_EVENTS_TABLE)
        )
        self._select_dates_head = SQL(
            "SELECT seq, chain FROM {0}.{1} WHERE subject = %s ORDER BY seq DESC LIMIT 1"
        ).format(schema, Identifier(DATES_EVENTS_TABLE))
        self._select_registered = SQL(
            "SELECT state FROM {0}.{1} WHERE originator_id = %s AND originator_version = 1"
        ).format(schema, Identifier(self.events_table_name))
        self._select_next_leaf = SQL(
            "SELECT COALESCE(MAX(leaf_index) + 1, 0) AS next FROM {0}.{1}"
        ).format(schema, Identifier(LEAVES_TABLE))
        self._select_registry_after = SQL(
            "SELECT originator_version, topic, state FROM {0}.{1} WHERE originator_id = %s "
            "AND originator_version > %s ORDER BY originator_version"
        ).format(schema, Identifier(self.events_table_name))
        self._insert_leaf = SQL("INSERT INTO {0}.{1} VALUES (%s, %s, %s)").format(
            schema, Identifier(LEAVES_TABLE)
        )

    def create_table(self) -> None:
        """Create the tables of a new ledger; open an existing one without any DDL.

        Without DDL, roles that may not create or own objects (officials' workstations,
        auditors) and read-only replicas can open the ledger. For a new ledger, PostgreSQL
        refuses concurrent ``CREATE OR REPLACE FUNCTION`` of one function ("tuple concurrently
        updated") and a concurrent first ``CREATE TYPE`` (unique violation): the DDL
        transaction is serialised by an advisory lock, and the type race is retried.
        """
        if self._installed():
            self.datastore.register_type_adapters()
            return
        for attempt in range(5):
            try:
                super().create_table()
                return
            except IntegrityError:
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
            except PersistenceError:
                # A ledger made before the case index, opened by a role that may not create
                # its tables: read it as it is (no checkpoint carries the index, so no read
                # needs them); its owner's next command creates them.
                if not self._installed(with_case_index=False):
                    raise
                self.datastore.register_type_adapters()
                return

    def _installed(self, with_case_index: bool = True) -> bool:
        """Whether every table and the row type of the ledger exist (read from the catalog,
        which needs no privilege on them)."""
        names = [
            self.events_table_name,
            LEAVES_TABLE,
            CHECKPOINTS_TABLE,
            COSIGNATURES_TABLE,
            PERSON_EVENTS_TABLE,
            PERSON_NODES_TABLE,
        ]
        if with_case_index:
            names += [CASE_EVENTS_TABLE, CASE_NODES_TABLE, DATES_EVENTS_TABLE, DATES_NODES_TABLE]
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace"
                " n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'"
                " AND c.relname = ANY(%s)) AS tables, (SELECT count(*) FROM pg_catalog.pg_type t"
                " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = %s"
                " AND t.typname = %s) AS types",
                (self.datastore.schema, names, self.datastore.schema, self.stored_event_type_name),
            )
            row = curs.fetchone()
        return row is not None and row["tables"] == len(names) and row["types"] == 1

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute(
            SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
                Literal(f"lifeledger ddl {self.datastore.schema}")
            )
        )
        super()._create_table(curs)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None
        # Still inside the transaction that holds the table's EXCLUSIVE lock.
        curs.execute(self._select_next_leaf)
        row = curs.fetchone()
        assert row is not None
        start = int(row["next"])
        leaves = leaf_rows(start, stored_events, ids)
        # The person index (Art. 8), in the same transaction: one row per person named. Its
        # reads come before the inserts: in the pipeline a read after an executemany() would
        # be handed the insert's status instead of its rows.
        new = _index_input(leaves, stored_events)
        index = chain_rows(
            new,
            lambda nos: self._heads(curs, nos),
            lambda oids: self._cadres(curs, oids),
        )
        # The case index (Art. 13, 14), likewise: the case set and the cases naming each unit.
        cases = extend_chains(
            named_rows(new),
            lambda keys: self._heads(curs, keys, self._select_case_head),
        )
        # The case-dates index (Art. 12, 14): each year's cases and the closings.
        dated = extend_chains(
            case_dates.named_rows(new),
            lambda keys: self._heads(curs, keys, self._select_dates_head),
        )
        curs.executemany(self._insert_leaf, leaves)
        if index:
            curs.executemany(self._insert_person_event, index)
        if cases:
            curs.executemany(self._insert_case_event, cases)
        if dated:
            curs.executemany(self._insert_dates_event, dated)
        return ids

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        if self.signer_check is not None:
            # The EXCLUSIVE table lock first (the insert below takes it again, at no cost):
            # no other append can commit between this check and this transaction's commit.
            # A refusal raised here leaves the transaction with nothing inserted.
            self._lock_table(curs)
            self.signer_check(stored_events, lambda version: self._registry_after(curs, version))
        super()._insert_stored_events(curs, stored_events, **kwargs)

    def _registry_after(self, curs: Cursor[DictRow], version: int) -> RegistryRows:
        curs.execute(self._select_registry_after, (REGISTRY_ID, version))
        return [
            (int(r["originator_version"]), str(r["topic"]), bytes(r["state"]))
            for r in curs.fetchall()
        ]

    def _heads(
        self, curs: Cursor[DictRow], persons: Iterable[str], select: Composed | None = None
    ) -> dict[str, tuple[int, bytes]]:
        found: dict[str, tuple[int, bytes]] = {}
        for no in persons:
            curs.execute(self._select_head if select is None else select, (no,))
            row = curs.fetchone()
            if row is not None:
                found[no] = (int(row["seq"]), bytes(row["chain"]))
        return found

    def _cadres(self, curs: Cursor[DictRow], oids: Iterable[UUID]) -> dict[UUID, str]:
        found: dict[UUID, str] = {}
        for oid in oids:
            curs.execute(self._select_registered, (oid,))
            row = curs.fetchone()
            no = registered_person(bytes(row["state"])) if row is not None else None
            if no:
                found[oid] = no
        return found
