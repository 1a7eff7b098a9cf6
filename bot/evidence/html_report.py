"""A case's record as one self-contained HTML5 page an auditor can open offline.

No scripts, no external styles, fonts or images: inline CSS and inline SVG only, and a
Content-Security-Policy that forbids loading anything. Names, titles, reasons and vendor answers
come from people and directories, so every value is escaped with `html.escape` where it is placed.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from bot.evidence.chain import GENESIS, Link, canonical, find_breaks
from bot.evidence.timeline_svg import is_drift, render_timeline

# Events that record what happened to one checklist item (their data names the item).
ITEM_EVENTS = ("item.done", "step.done", "step.failed", "step.interrupted")
VERIFIED, ACCEPTED = "access.verified", "remainder.accepted"

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:75rem;
padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccd;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f1f3f6}code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem}ul{margin:0;padding-left:1.1rem}
.ok{color:#116329;font-weight:600}.bad{color:#a40e26;font-weight:600}.muted{color:#57606a}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
svg.timeline{border:1px solid #ccd;background:#fff}
svg .lane{stroke:#e3e6ea}svg .axis{stroke:#57606a}svg .lane-name{font-size:12px;text-anchor:end;fill:#57606a}
svg .tick,svg .mark-label{font-size:11px;fill:#57606a}svg .mark{stroke:#8250df;stroke-dasharray:4 3}
svg .event{fill:#0969da;fill-opacity:.75}svg .lane-1{fill:#1a7f37}svg .lane-2{fill:#bf3989}
svg .lane-3{fill:#9a6700}svg .lane-4{fill:#cf222e}svg .lane-5{fill:#57606a}
@media print{svg.timeline{break-inside:avoid}}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"

HOW_TO_CHECK = """
import hashlib, json

def link_hash(prev_hash, case, seq, at, actor, kind, data):
    body = json.dumps({"case": case, "seq": seq, "at": at, "actor": actor, "kind": kind,
                       "data": data}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
"""


def e(value: Any) -> str:
    """Escaped text of any value; None shows as empty."""
    return "" if value is None else escape(str(value), quote=True)


def _table(head: list[str], rows: list[list[str]]) -> str:
    """Cells in `rows` are already-escaped markup; the head is escaped here."""
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _list(values: list[Any]) -> str:
    return "<ul>" + "".join(f"<li>{e(v)}</li>" for v in values) + "</ul>" if values else ""


def _codes(values: list[Any]) -> str:
    return " ".join(f"<code>{e(v)}</code>" for v in values)


def _person(case: dict[str, Any]) -> str:
    fields = [
        ("Name", case["subject_name"]),
        ("Email", case["subject_email"]),
        ("Slack user id", case["subject"]),
        ("Template", case["template"]),
        ("Reason", case["reason"]),
        ("Last day", case["last_day"]),
        ("Access cutoff", case["cutoff_at"]),
        ("Manager (Slack id)", case["manager"]),
        ("Status", case["status"]),
        ("Opened", case["created_at"]),
        ("Closed", case["closed_at"]),
    ]
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in fields) + "</dl>"


def _attempt(event: dict[str, Any]) -> str:
    """One event about an item: outcome, who, when, vendor request ids."""
    data = event["data"]
    outcome = {"item.done": "done", "step.done": "done", "step.failed": "failed"}.get(
        event["kind"], "interrupted"
    )
    css = "ok" if outcome == "done" else "bad"
    text = f'<span class="{css}">{e(outcome)}</span> by {e(event["actor"])} at {e(event["at"])}'
    text += f' <span class="muted">(event {e(event["seq"])})</span>'
    if data.get("detail"):
        text += f" — {e(data['detail'])}"
    if data.get("note"):
        text += f" — note: {e(data['note'])}"
    if data.get("request_ids"):
        text += f"<br>vendor request ids: {_codes(data['request_ids'])}"
    if data.get("manual"):
        text += f"<br>by hand: {e(data['manual'])}"
    return text


def _items(items: list[dict[str, Any]], events: list[dict[str, Any]]) -> str:
    history: dict[str, list[dict[str, Any]]] = {}
    for ev in events:
        if ev["kind"] in ITEM_EVENTS and isinstance(ev["data"].get("item"), str):
            history.setdefault(ev["data"]["item"], []).append(ev)
    rows = []
    for n, item in enumerate(items, 1):
        attempts = history.get(item["key"], [])
        steps = "<ul>" + "".join(f"<li>{_attempt(a)}</li>" for a in attempts) + "</ul>" if attempts else ""
        ids = [rid for a in attempts for rid in a["data"].get("request_ids") or []]
        rows.append(
            [
                e(n),
                f"{e(item['title'])}<br><code>{e(item['key'])}</code>",
                e(item.get("kind")),
                e(item["role"]),
                e(item["status"]),
                e(item["done_by"]),
                e(item["done_at"]),
                steps or e(item["detail"]),
                _codes(ids),
            ]
        )
    head = ["#", "Item", "Kind", "Owner", "Outcome", "By", "At", "History (from the chain)", "Request ids"]
    return _table(head, rows)


def _verifications(events: list[dict[str, Any]]) -> str:
    checks = [ev for ev in events if ev["kind"] == VERIFIED]
    if not checks:
        return "<p>No verification was recorded.</p>"
    out = []
    for ev in checks:
        rows = []
        for name, check in sorted(ev["data"].get("systems", {}).items()):
            gone = bool(check.get("gone"))
            verdict = '<span class="ok">verified gone</span>' if gone else '<span class="bad">remained</span>'
            rows.append(
                [
                    e(name),
                    verdict,
                    _list(list(check.get("remaining") or [])),
                    _list(list(check.get("notes") or [])),
                    e(check.get("error")),
                ]
            )
        out.append(
            f"<h3>Event {e(ev['seq'])}: {e(ev['at'])}, by {e(ev['actor'])} — {e(ev['data'].get('reason'))}</h3>"
            + _table(["System", "Result", "What remained", "Notes", "Read error"], rows)
        )
    return "".join(out)


def _accepted(events: list[dict[str, Any]]) -> str:
    rows = [
        [
            e(ev["seq"]),
            e(ev["actor"]),
            e(ev["at"]),
            e(ev["data"].get("reason")),
            _list(ev["data"].get("remaining") or []),
        ]
        for ev in events
        if ev["kind"] == ACCEPTED
    ]
    if not rows:
        return "<p>No remainder was accepted.</p>"
    return _table(["Event", "Accepted by", "At", "Reason", "What remained"], rows)


def _drift(events: list[dict[str, Any]]) -> str:
    rows = [
        [e(ev["seq"]), e(ev["kind"]), e(ev["actor"]), e(ev["at"]), f"<code>{e(canonical(ev['data']))}</code>"]
        for ev in events
        if is_drift(ev["kind"])
    ]
    if not rows:
        return "<p>No drift or erasure events were recorded.</p>"
    return _table(["Event", "Type", "Actor", "At", "Data"], rows)


def _links(case_id: int, events: list[dict[str, Any]]) -> list[Link]:
    # Data is re-spelt canonically: that is the exact text that was hashed when the event was written.
    return [
        Link(
            0,
            case_id,
            ev["seq"],
            datetime.fromisoformat(ev["at"]),
            ev["actor"],
            ev["kind"],
            canonical(ev["data"]),
            ev["prev_hash"],
            ev["hash"],
        )
        for ev in events
    ]


def _chain(data: dict[str, Any]) -> str:
    case_id, events = data["case"]["id"], data["events"]
    problems = find_breaks(_links(case_id, events)) if events else ["no events"]
    if problems:
        verdict = '<p class="bad">The hashes in this file do not recompute:</p>' + _list(problems)
    else:
        verdict = (
            f'<p class="ok">The {len(events)} hashes in this file recompute: the chain as exported is '
            "intact.</p>"
        )
    rows = [
        [
            e(ev["seq"]),
            e(ev["kind"]),
            e(ev["actor"]),
            e(ev["at"]),
            f"<code>{e(ev['prev_hash'])}</code>",
            f"<code>{e(ev['hash'])}</code>",
            f"<code>{e(canonical(ev['data']))}</code>",
        ]
        for ev in events
    ]
    summary = (
        f"<dl><dt>Final hash</dt><dd><code>{e(data.get('final_hash'))}</code></dd>"
        f"<dt>Hash in the archive post</dt><dd><code>{e(data.get('archived_hash'))}</code></dd></dl>"
    )
    return verdict + summary + _table(["Seq", "Type", "Actor", "Time", "Prev hash", "Hash", "Data"], rows)


def _how_to_check(case_id: int) -> str:
    return (
        "<p>Each event's hash is SHA-256 (hex) of the UTF-8 bytes of its prev hash followed by a JSON "
        "object with the keys <code>actor</code>, <code>at</code> (the time as shown), <code>case</code> "
        f"(<code>{e(case_id)}</code>), <code>data</code> (the data text as shown, as a JSON string), "
        "<code>kind</code> (the type) and <code>seq</code>; keys sorted, no spaces (separators "
        "<code>,</code> and <code>:</code>), non-ASCII characters written as they are. The first event's "
        f"prev hash is <code>{GENESIS}</code>; every later one is the hash of the event before it, so "
        "an altered, removed or reordered event breaks every hash after it. The archive post in Slack "
        "quotes the hash of the event before <code>archive.posted</code>; that event records it.</p>"
        f"<pre>{e(HOW_TO_CHECK.strip())}</pre>"
        "<p>Against the live database, <code>offboard-bot verify "
        f"{e(case_id)}</code> recomputes the chain and names any altered, removed or reordered event "
        "(exit code 0 when intact).</p>"
    )


def render_html(data: dict[str, Any]) -> str:
    """The page for one record as `bot.evidence.export.record` returns it."""
    case, events = data["case"], data["events"]
    title = f"Offboarding record: case {case['id']} — {case['subject_name']}"
    body = [
        f"<h1>{e(title)}</h1>",
        f'<p class="muted">Exported from the offboard bot; {e(len(events))} events. '
        "This file loads nothing from the network.</p>",
        "<h2>Person</h2>",
        _person(case),
        "<h2>Timeline</h2>",
        render_timeline(case, events),
        "<h2>Checklist and revocation steps</h2>",
        _items(data["items"], events),
        "<h2>Verification per system</h2>",
        _verifications(events),
        "<h2>Remainder accepted</h2>",
        _accepted(events),
        "<h2>Drift and erasure</h2>",
        _drift(events),
        "<h2>Hash chain</h2>",
        _chain(data),
        "<h2>How to check it</h2>",
        _how_to_check(case["id"]),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
