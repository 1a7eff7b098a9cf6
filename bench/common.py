"""What the benchmarks share: child processes that talk JSON lines, CPU pinning, a PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

PG_ADMIN = os.environ.get("OFFBOARD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def pin(cpu: int) -> None:
    if len(os.sched_getaffinity(0)) >= 2:
        os.sched_setaffinity(0, {cpu})


async def child_loop(out, handle) -> None:
    """Answer one JSON line per command line read from stdin, until 'quit' or EOF."""
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if not line or line == "quit":
            return
        out.write(json.dumps(await handle(line)) + "\n")
        out.flush()


@dataclass
class Child:
    proc: asyncio.subprocess.Process

    @classmethod
    async def spawn(cls, script: str, log: Path, *args: str) -> tuple[Child, dict]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, script, "--child", *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log.open("ab"), limit=2**26,
        )  # fmt: skip
        child = cls(proc)
        return child, await child.read()

    async def read(self) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), 240)  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"child exited ({await self.proc.wait()}); see its log")
        return json.loads(line)

    async def ask(self, cmd: str = "stats") -> dict:
        self.proc.stdin.write(cmd.encode() + b"\n")  # type: ignore[union-attr]
        return await self.read()

    async def quit(self) -> None:
        self.proc.stdin.write(b"quit\n")  # type: ignore[union-attr]
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def pg_database() -> tuple[str | None, str]:
    try:
        import psycopg

        name = f"offboard_bench_{os.getpid()}"
        with psycopg.connect(PG_ADMIN, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as e:
        return None, f"{type(e).__name__}: {' '.join(str(e).split())[:120]}"
    return name, PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
