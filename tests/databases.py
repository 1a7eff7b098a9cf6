"""The databases every suite runs on: SQLite always, PostgreSQL when 127.0.0.1:5432 answers."""

from __future__ import annotations

import os
import uuid

PG_ADMIN = os.environ.get("OFFBOARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reason() -> str | None:
    """None when PostgreSQL is usable, else why it is skipped."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as e:  # any failure means: skip, and say why
        return f"PostgreSQL not reachable at {PG_ADMIN.split('@')[-1]} ({type(e).__name__}: {str(e)[:80]})"
    return None


class PostgresDatabase:
    """A database of its own for this test run, created and dropped by the tests."""

    def __init__(self) -> None:
        self.name = f"offboard_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        base = PG_ADMIN.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}".replace("postgresql://", "postgresql+psycopg://")

    def create(self) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def reset(self) -> None:
        """Empty every table between tests (faster than a database per test)."""
        import psycopg

        url = self.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
                if r[0] != "alembic_version"
            ]
            if tables:
                conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
