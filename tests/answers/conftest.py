"""Stores to test against: SQLite in a temporary state directory, and a private PostgreSQL
cluster (tests/support/postgres.py), started once for these tests and stopped at the end."""

from __future__ import annotations

import pytest

from screening_log import Store
from tests.support.postgres import PrivatePostgres


@pytest.fixture(scope="session")
def postgres():
    pg = PrivatePostgres().start()
    yield pg
    pg.close()


@pytest.fixture
def pg_url(postgres, request) -> str:
    """A fresh database of the private cluster for one test."""
    import psycopg

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    admin = postgres.url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return postgres.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("PRESCREEN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PRESCREEN_DB_URL", raising=False)
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'screening-log.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url) -> Store:
    return Store(store_url)


@pytest.fixture
def sqlite_store(tmp_path, monkeypatch) -> Store:
    """For tests whose subject is not the database (write-back, commands)."""
    monkeypatch.setenv("PRESCREEN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PRESCREEN_DB_URL", raising=False)
    return Store(f"sqlite:///{tmp_path / 'state' / 'screening-log.sqlite3'}")
