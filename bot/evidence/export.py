"""A case's full record as JSON, Markdown, CSV or HTML."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from bot.cases.models import Case
from bot.checklist.models import ChecklistItem
from bot.db import Database
from bot.errors import NotFound
from bot.evidence.html_report import render_html
from bot.evidence.models import Event


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


async def record(db: Database, case_id: int) -> dict:
    async with db.sessions() as session:
        case = await session.get(Case, case_id)
        if case is None:
            raise NotFound(f"There is no offboarding case {case_id}.")
        items = list(
            await session.scalars(
                select(ChecklistItem).where(ChecklistItem.case_id == case_id).order_by(ChecklistItem.position)
            )
        )
        events = list(
            await session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq))
        )
    return {
        "case": {
            "id": case.id,
            "subject": case.subject_id,
            "subject_name": case.subject_name,
            "subject_email": case.subject_email,
            "manager": case.manager_id,
            "template": case.template,
            "reason": case.reason,
            "status": case.status,
            "last_day": case.last_day.isoformat(),
            "cutoff_at": _iso(case.cutoff_at),
            "created_at": _iso(case.created_at),
            "closed_at": _iso(case.closed_at),
        },
        "items": [
            {
                "key": i.key,
                "title": i.title,
                "role": i.role,
                "kind": i.kind,
                "status": i.status,
                "done_by": i.done_by,
                "done_at": _iso(i.done_at),
                "detail": i.detail,
            }
            for i in items
        ],
        "events": [
            {
                "seq": e.seq,
                "at": _iso(e.at),
                "actor": e.actor,
                "kind": e.kind,
                "data": json.loads(e.data),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
        "final_hash": events[-1].hash if events else None,
        # The archive post shows the hash of the event before the one that records the post itself.
        "archived_hash": next(
            (json.loads(e.data).get("final_hash") for e in reversed(events) if e.kind == "archive.posted"),
            None,
        ),
    }


async def render_export(db: Database, case_id: int, fmt: str) -> str:
    data = await record(db, case_id)
    if fmt == "html":
        return render_html(data)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["seq", "at", "actor", "kind", "data", "prev_hash", "hash"])
        for e in data["events"]:
            writer.writerow(
                [e["seq"], e["at"], e["actor"], e["kind"], json.dumps(e["data"]), e["prev_hash"], e["hash"]]
            )
        return out.getvalue()
    c = data["case"]
    lines = [
        f"# Offboarding record: case {c['id']} — {c['subject_name']}",
        "",
        f"- Status: {c['status']}; last day {c['last_day']}; cutoff {c['cutoff_at']}",
        f"- Opened {c['created_at']}; closed {c['closed_at']}",
        f"- Final hash: `{data['final_hash']}`",
        f"- Hash shown in the archive post: `{data['archived_hash']}`",
        "",
        "## Checklist",
        "",
        "| item | role | status | by | at |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {i['title']} | {i['role']} | {i['status']} | {i['done_by'] or ''} | {i['done_at'] or ''} |"
        for i in data["items"]
    ]
    lines += ["", "## Events", "", "| # | at | actor | kind | hash |", "|---|---|---|---|---|"]
    lines += [
        f"| {e['seq']} | {e['at']} | {e['actor']} | {e['kind']} | `{e['hash'][:16]}…` |"
        for e in data["events"]
    ]
    return "\n".join(lines) + "\n"
