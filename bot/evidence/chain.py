"""Hash-chain arithmetic, kept free of the database so it can be checked on its own."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical(data: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def link_hash(prev_hash: str, case_id: int, seq: int, at: datetime, actor: str, kind: str, data: str) -> str:
    body = canonical(
        {"case": case_id, "seq": seq, "at": at.isoformat(), "actor": actor, "kind": kind, "data": data}
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    id: int
    case_id: int
    seq: int
    at: datetime
    actor: str
    kind: str
    data: str
    prev_hash: str
    hash: str


def find_breaks(links: list[Link]) -> list[str]:
    """What is wrong with one case's chain, in words naming the event; empty when intact."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_seq = 1
    for link in sorted(links, key=lambda x: x.seq):
        if link.seq != expected_seq:
            problems.append(
                f"case {link.case_id}: event {expected_seq} is missing (next present is event {link.seq})"
            )
            expected_seq = link.seq
        if link.prev_hash != expected_prev:
            problems.append(
                f"case {link.case_id}: event {link.seq} ({link.kind}) does not follow the event before it "
                "(an event was removed, reordered or altered)"
            )
        recomputed = link_hash(
            link.prev_hash, link.case_id, link.seq, link.at, link.actor, link.kind, link.data
        )
        if recomputed != link.hash:
            problems.append(
                f"case {link.case_id}: event {link.seq} ({link.kind}) was altered after it was written"
            )
        expected_prev = link.hash
        expected_seq = link.seq + 1
    return problems
