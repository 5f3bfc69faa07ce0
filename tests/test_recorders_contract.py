"""The ledger's recorders still honour the library's recorder contract.

``SQLiteLedgerRecorder`` and ``PostgresLedgerRecorder`` override private hooks of the
``eventsourcing`` recorders (to write Merkle leaves, the person index and the signer check in the
same transaction), so the library's own ``ApplicationRecorderTestCase`` runs against both: an
upgrade of the library that changes those hooks fails here first.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from typing import Any

import pytest
from conftest import PG_URL, drop_schema, require_postgres
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from ledger.storage.postgres_recorder import PostgresLedgerRecorder
from ledger.storage.recorders import SQLiteLedgerRecorder
from ledger.storage.store import StoreConfig


def _recorder(store: StoreConfig) -> ApplicationRecorder:
    store.prepare()
    env: dict[str, Any] = {**store.env(), "CREATE_TABLE": "y"}
    factory = InfrastructureFactory.construct(env)
    return factory.application_recorder()


class TestSQLiteLedgerRecorderKeepsTheLibraryContract(ApplicationRecorderTestCase[Any]):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()

    def tearDown(self) -> None:
        self.folder.cleanup()

    def create_recorder(self) -> ApplicationRecorder:
        path = os.path.join(self.folder.name, f"{uuid.uuid4().hex}.db")
        recorder = _recorder(StoreConfig.parse(path))
        assert isinstance(recorder, SQLiteLedgerRecorder)
        return recorder

    def test_performance(self) -> None:
        pytest.skip("throughput is measured in bench/, not in tests")

    def test_concurrent_throughput(self) -> None:
        pytest.skip("throughput is measured in bench/, not in tests")


@pytest.mark.postgres
class TestPostgresLedgerRecorderKeepsTheLibraryContract(ApplicationRecorderTestCase[Any]):
    # PostgreSQL numbers notifications from a sequence: ids may have gaps (the library says so).
    EXPECT_CONTIGUOUS_NOTIFICATION_IDS = False

    def setUp(self) -> None:
        require_postgres()
        self.urls: list[str] = []

    def tearDown(self) -> None:
        for url in self.urls:
            drop_schema(url)

    def create_recorder(self) -> ApplicationRecorder:
        url = f"{PG_URL}?schema=t_{uuid.uuid4().hex[:16]}"
        self.urls.append(url)
        recorder = _recorder(StoreConfig.parse(url))
        assert isinstance(recorder, PostgresLedgerRecorder)
        return recorder

    def test_performance(self) -> None:
        pytest.skip("throughput is measured in bench/, not in tests")

    def test_concurrent_throughput(self) -> None:
        pytest.skip("throughput is measured in bench/, not in tests")
