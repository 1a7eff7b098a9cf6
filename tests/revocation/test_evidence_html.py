"""`offboard-bot export CASE --format html`: one offline page an auditor can read and check.

The case is real: opened through Slack for a person whose directory name is hostile markup, revoked
in Okta and Microsoft 365 (stand-ins), one group that will not go, the remainder accepted by
security with a reason that is hostile too, every item done, closed and archived.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import html5lib
import pytest

from bot.evidence.chain import link_hash
from bot.evidence.export import render_export
from handlers import ids
from standins.slack_driver import wait_for
from tests.flows import click_revocation, complete_all, open_case
from tests.security.test_evidence_tamper import run_cli

HOSTILE_NAME = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
HOSTILE_REASON = 'Group syncs from HR & drops her tomorrow <b onmouseover="x()">"ok"</b></td></tr>'
SVG = "{http://www.w3.org/2000/svg}"
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "background"}  # local names


@pytest.fixture
def org_config(cast):
    # Equipment tracking has its own tests; here the device would keep the case open.
    return cast.config(assets={"intune": False})


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def parse(page: str) -> ET.Element:
    """Strict HTML5: any parse error (stray tag, bad nesting, unescaped markup) raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(page)


def section(root: ET.Element, heading: str) -> list[ET.Element]:
    """The elements between the h2 named `heading` and the next h2."""
    body = root.find("body")
    assert body is not None
    found: list[ET.Element] = []
    inside = False
    for child in body:
        if child.tag == "h2":
            inside = text_of(child) == heading
        elif inside:
            found.append(child)
    assert found, f"no section {heading!r}"
    return found


def rows(elements: list[ET.Element]) -> list[list[str]]:
    return [
        [text_of(td) for td in tr.iter("td")]
        for el in elements
        for tr in el.iter("tr")
        if tr.find("td") is not None
    ]


async def accepted_case(bot: Any, graph: Any, directory: Any) -> Any:
    bot.slack.users[bot.cast.subject]["real_name"] = HOSTILE_NAME
    bot.slack.users[bot.cast.subject]["profile"]["real_name"] = HOSTILE_NAME
    graph.sticky_groups.add((directory.graph_groups[0], directory.graph_user))  # DELETE says 204, stays
    case = await open_case(bot)
    await click_revocation(bot, case, ids.REVOKE_ALL, "*", bot.cast.it)

    async def verified() -> bool:
        return any(e.kind == "access.verified" for e in await bot.runtime.evidence.events(case.id))

    await wait_for(verified, what="verification")
    await complete_all(bot, await bot.runtime.cases.get(case.id))
    panel_ts = (await bot.runtime.cases.get(case.id)).messages["revocation"]["panel_ts"]
    opened = len(bot.slack.views_opened)
    await bot.driver.click(
        bot.cast.security,
        ids.ACCEPT_REMAINDER,
        ids.item_value(case.id, "accept"),
        channel=case.channel_id,
        ts=panel_ts,
    )
    await wait_for(lambda: len(bot.slack.views_opened) > opened, what="accept form")
    status, body = await bot.driver.submit(
        bot.cast.security, bot.slack.views_opened[-1], {"reason": HOSTILE_REASON}
    )
    assert status == 200 and not body

    async def archived() -> bool:
        events = await bot.runtime.evidence.events(case.id)
        return bool(events) and events[-1].kind == "archive.posted"

    await wait_for(archived, what="archive.posted recorded")
    return await bot.runtime.cases.get(case.id)


async def test_html_record_of_a_real_case(bot, okta, graph, directory):
    case = await accepted_case(bot, graph, directory)
    assert case.status == "closed" and case.subject_name == HOSTILE_NAME
    events = await bot.runtime.evidence.events(case.id)
    page = await render_export(bot.runtime.db, case.id, "html")
    root = parse(page)

    # Self-contained: nothing to run, nothing to fetch.
    assert page.startswith("<!DOCTYPE html>")
    for tag in ("script", "link", "img", "iframe", "object", "embed", "base", "form"):
        assert root.find(f".//{tag}") is None, tag
    for element in root.iter():
        names = {str(a).rsplit("}", 1)[-1].lower() for a in element.attrib}  # namespaced: {ns}href
        assert not URL_ATTRIBUTES & names and not any(n.startswith("on") for n in names), element.attrib
        assert not any(re.search(r"\bhttps?:", str(v), re.I) for v in element.attrib.values()), element.attrib
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<(script|link)\b", page, re.I)
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in root.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")

    # The hostile name and reason are text, shown as they were typed.
    assert HOSTILE_NAME in text_of(root.find(".//h1"))
    assert HOSTILE_NAME in text_of(root.find(".//title"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x" in page
    assert root.find(".//b") is None  # the reason's <b> stayed text
    person = text_of(section(root, "Person")[0])
    for value in (case.subject_email, case.subject_id, case.template, case.reason, case.manager_id):
        assert value in person
    assert case.last_day.isoformat() in person and case.cutoff_at.isoformat() in person

    # Every item and step: who, when, and for steps the vendor's request ids.
    items = rows(section(root, "Checklist and revocation steps"))
    listed = await bot.runtime.cases.items(case.id)
    assert len(items) == len(listed)
    step_ids = 0
    for item in listed:
        row = next(r for r in items if r[1] == item.title + item.key)  # title, then key on its own line
        assert item.done_by in row[5] and item.done_at.isoformat() == row[6]
        for e in events:
            data = json.loads(e.data)
            if e.kind in ("item.done", "step.done", "step.failed") and data.get("item") == item.key:
                assert f"by {e.actor} at {e.at.isoformat()}" in row[7]
                for rid in data.get("request_ids", []):
                    assert rid in row[7] and rid in row[8]
                    step_ids += 1
    assert step_ids >= 4  # Okta and Graph each answered several calls with their request ids
    assert any(i.kind == "revocation" for i in listed)

    # Verification per system, and the remainder security accepted.
    checks = rows(section(root, "Verification per system"))
    assert ["okta", "verified gone"] in [r[:2] for r in checks]
    graph_row = next(r for r in checks if r[0] == "graph")
    assert graph_row[1] == "remained" and "All Engineering" in graph_row[2]
    accepted = rows(section(root, "Remainder accepted"))
    assert len(accepted) == 1 and accepted[0][1] == bot.cast.security and accepted[0][3] == HOSTILE_REASON
    assert "No drift or erasure events" in text_of(section(root, "Drift and erasure")[0])

    # The timeline picture: one dot per event, between the form and closure.
    svg = root.find(f".//{SVG}svg")  # inline SVG keeps its own namespace in the parsed tree
    assert svg is not None and len(list(svg.iter(f"{SVG}circle"))) == len(events)
    assert {"form", "cutoff", "closed"} <= {text_of(t) for t in svg.iter(f"{SVG}text")}

    # The chain: every event, and the hashes recompute from what the page shows.
    chain = rows(section(root, "Hash chain"))
    assert [int(r[0]) for r in chain] == [e.seq for e in events]
    for r, e in zip(chain, events, strict=True):
        seq, kind, actor, at, prev, digest, data = r
        assert (kind, actor, at, prev, digest) == (e.kind, e.actor, e.at.isoformat(), e.prev_hash, e.hash)
        assert link_hash(prev, case.id, int(seq), e.at, actor, kind, data) == digest
    assert "chain as exported is intact" in page
    assert f"offboard-bot verify {case.id}" in text_of(section(root, "How to check it")[-1])


async def test_export_format_html_through_the_command(
    bot, okta, graph, directory, database_url, monkeypatch, capsys
):
    case = await open_case(bot)
    code, out = await run_cli(monkeypatch, capsys, database_url, "export", str(case.id), "--format", "html")
    assert code == 0
    assert out == await render_export(bot.runtime.db, case.id, "html")
    root = parse(out)
    events = await bot.runtime.evidence.events(case.id)
    assert len(rows(section(root, "Hash chain"))) == len(events)
    assert events[-1].hash in out
