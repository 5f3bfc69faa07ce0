"""PostgreSQL roles for one ledger schema: owner, writer, reader, auditor.

Signatures and the Merkle log make any change evident; the roles make it fail at once.

* ``<prefix>_owner`` owns the schema and every table (it runs ``init``, ``migrate`` and
  upgrades; no workstation logs in as it).
* ``<prefix>_writer``, officials' workstations: may only append to the ledger's tables (events,
  Merkle leaves, checkpoints, cosignatures) and keep the read models current. An append takes
  the events table's EXCLUSIVE lock, which PostgreSQL grants only with UPDATE privilege, so
  writers hold UPDATE on that one table, and a trigger refuses every UPDATE, DELETE and
  TRUNCATE there and on the other ledger tables.
* ``<prefix>_reader``, query users: SELECT on everything, nothing else.
* ``<prefix>_auditor``: SELECT on everything; give each auditor login
  ``default_transaction_read_only`` (role settings are not inherited from a group role).

None of them is a member of the owner, so none can drop or alter a table or a trigger. Run the
script as a superuser (or the schema's owner) after ``lifeledger init`` created the tables.
"""

from __future__ import annotations

import re

from ledger.errors import InvalidInputError
from ledger.i18n import _
from ledger.storage.recorders import CHECKPOINTS_TABLE, COSIGNATURES_TABLE, LEAVES_TABLE
from ledger.storage.store import PG_EVENTS_TABLE
from ledger.transparency.case_dates import DATES_EVENTS_TABLE, DATES_NODES_TABLE
from ledger.transparency.case_index import CASE_EVENTS_TABLE, CASE_NODES_TABLE
from ledger.transparency.person_index import PERSON_EVENTS_TABLE, PERSON_NODES_TABLE

__all__ = ["LEDGER_TABLES", "role_names", "roles_sql"]

#: The ledger's own tables: append-only.
LEDGER_TABLES = (PG_EVENTS_TABLE, LEAVES_TABLE, CHECKPOINTS_TABLE, COSIGNATURES_TABLE)
#: The person, case and case-dates indexes: rows written with each append and map nodes with
#: each checkpoint, in the same transactions (rebuilt from the whole log by the owner only).
INDEX_TABLES = (
    PERSON_EVENTS_TABLE,
    PERSON_NODES_TABLE,
    CASE_EVENTS_TABLE,
    CASE_NODES_TABLE,
    DATES_EVENTS_TABLE,
    DATES_NODES_TABLE,
)
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")


def role_names(prefix: str) -> dict[str, str]:
    """The four roles' names for ``prefix``."""
    if not _NAME.fullmatch(prefix):
        raise InvalidInputError(
            _("role prefix {prefix!r} must be lower-case letters, digits and _").format(
                prefix=prefix
            )
        )
    return {kind: f"{prefix}_{kind}" for kind in ("owner", "writer", "reader", "auditor")}


def roles_sql(schema: str, prefix: str = "ledger") -> str:
    """The SQL that creates the roles and the append-only triggers for ``schema``."""
    if not _NAME.fullmatch(schema):
        raise InvalidInputError(
            _("schema name {schema!r} must be lower-case letters, digits and _").format(
                schema=schema
            )
        )
    r = role_names(prefix)
    s = schema
    ledger = ", ".join(f"{s}.{t}" for t in LEDGER_TABLES)
    lines = [
        f"-- lifeledger roles for schema {s}: run as a superuser after `lifeledger init`.",
        "BEGIN;",
        f"CREATE ROLE {r['owner']} NOLOGIN;",
        f"CREATE ROLE {r['writer']} NOLOGIN;",
        f"CREATE ROLE {r['reader']} NOLOGIN;",
        f"CREATE ROLE {r['auditor']} NOLOGIN;",
        f"ALTER SCHEMA {s} OWNER TO {r['owner']};",
        f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA {s} TO {r['writer']}, {r['reader']}, {r['auditor']};",
        "DO $$ DECLARE t record; BEGIN",
        f"  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '{s}' LOOP",
        f"    EXECUTE format('ALTER TABLE {s}.%I OWNER TO {r['owner']}', t.tablename);",
        f"    EXECUTE format('REVOKE ALL ON {s}.%I FROM PUBLIC', t.tablename);",
        "  END LOOP;",
        f"  FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = '{s}' LOOP",
        f"    EXECUTE format('ALTER SEQUENCE {s}.%I OWNER TO {r['owner']}', t.sequencename);",
        "  END LOOP;",
        "END $$;",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r['reader']}, {r['auditor']};",
        "-- writers append to the ledger's tables and nothing else there",
        f"GRANT SELECT, INSERT ON {ledger} TO {r['writer']};",
        f"GRANT SELECT, INSERT ON {', '.join(f'{s}.{t}' for t in INDEX_TABLES)} TO {r['writer']};",
        f"GRANT UPDATE ON {s}.{PG_EVENTS_TABLE} TO {r['writer']};  -- for LOCK ... EXCLUSIVE",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {r['writer']};",
        "-- read models are caches rebuilt from the log: writers keep them current",
        "DO $$ DECLARE t record; BEGIN",
        f"  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '{s}'"
        " AND tablename LIKE 'proj\\_%' LOOP",
        f"    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.%I TO {r['writer']}',"
        " t.tablename);",
        "  END LOOP;",
        "END $$;",
        f"CREATE OR REPLACE FUNCTION {s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS",
        "  $$ BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;",
        f"ALTER FUNCTION {s}.refuse_change() OWNER TO {r['owner']};",
    ]
    for table in LEDGER_TABLES:
        lines += [
            f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {s}.{table}",
            f"  FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_change();",
        ]
    lines += ["COMMIT;", ""]
    return "\n".join(lines)
