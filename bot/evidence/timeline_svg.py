"""The case on a time axis, as inline SVG for the HTML report: one lane per kind of event.

Every string that reaches the markup goes through `html.escape`: event kinds and actors come from
the record, and the record is written from Slack and directory data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

WIDTH, LEFT, RIGHT, TOP, LANE, AXIS = 960, 120, 30, 24, 30, 46
TICKS = 5
LANES: list[tuple[str, tuple[str, ...]]] = [
    ("case", ("case.", "room.", "manager.", "archive.", "last_day.", "reminder", "refused", "items.")),
    ("checklist", ("item.",)),
    ("access", ("step.", "revocation.", "cutoff", "asset")),
    ("verification", ("access.", "remainder.")),
    ("drift / erasure", ()),
]
OTHER = "other"


DRIFT = ("drift", "erasure", "erase")


def is_drift(kind: str) -> bool:
    """Drift and erasure events, whatever their prefix (e.g. `access.drift`, `case.erased`)."""
    return any(word in kind for word in DRIFT)


def lane_of(kind: str) -> str:
    if is_drift(kind):
        return "drift / erasure"
    for name, prefixes in LANES:
        if kind.startswith(prefixes):
            return name
    return OTHER


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def render_timeline(case: dict[str, Any], events: list[dict[str, Any]]) -> str:
    """From the form (case opened) to closure, or to the latest event while the case is open."""
    times = [t for e in events if (t := _when(e["at"])) is not None]
    marks = {
        "form": _when(case.get("created_at")),
        "cutoff": _when(case.get("cutoff_at")),
        "closed": _when(case.get("closed_at")),
    }
    known = times + [t for t in marks.values() if t is not None]
    if not known:
        return ""
    start, end = min(known), max(known)
    if end - start < timedelta(minutes=1):  # one instant: give the axis some width to draw on
        end = start + timedelta(minutes=1)
    span = (end - start).total_seconds()
    plot = WIDTH - LEFT - RIGHT
    lanes = [name for name, _ in LANES] + [OTHER]
    height = TOP + LANE * len(lanes) + AXIS

    def x(t: datetime) -> float:
        return round(LEFT + (t - start).total_seconds() / span * plot, 1)

    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="Timeline of case {escape(str(case.get("id")))}">',
        "<title>Case timeline: each dot is one event of the hash chain</title>",
    ]
    for n, name in enumerate(lanes):
        y = TOP + LANE * n + LANE / 2
        parts.append(f'<line class="lane" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
        parts.append(f'<text class="lane-name" x="{LEFT - 8}" y="{y + 4}">{escape(name)}</text>')
    axis_y = TOP + LANE * len(lanes) + 6
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}"/>')
    for i in range(TICKS):
        t = start + (end - start) * i / (TICKS - 1)
        tx = x(t)
        anchor = "start" if i == 0 else "end" if i == TICKS - 1 else "middle"
        parts.append(f'<line class="axis" x1="{tx}" y1="{axis_y}" x2="{tx}" y2="{axis_y + 5}"/>')
        parts.append(
            f'<text class="tick" x="{tx}" y="{axis_y + 18}" text-anchor="{anchor}">'
            f"{escape(t.strftime('%Y-%m-%d %H:%M'))}</text>"
        )
    for label, t in marks.items():
        if t is None:
            continue
        mx = x(t)
        parts.append(
            f'<line class="mark mark-{label}" x1="{mx}" y1="{TOP - 6}" x2="{mx}" y2="{axis_y}">'
            f"<title>{escape(label)} {escape(t.isoformat())}</title></line>"
        )
        parts.append(f'<text class="mark-label" x="{mx + 3}" y="{TOP - 10}">{escape(label)}</text>')
    for e in events:
        t = _when(e["at"])
        if t is None:
            continue
        lane = lane_of(e["kind"])
        y = TOP + LANE * lanes.index(lane) + LANE / 2
        tip = f"#{e['seq']} {e['kind']} by {e['actor']} at {e['at']}"
        parts.append(
            f'<circle class="event lane-{lanes.index(lane)}" cx="{x(t)}" cy="{y}" r="5">'
            f"<title>{escape(tip)}</title></circle>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
