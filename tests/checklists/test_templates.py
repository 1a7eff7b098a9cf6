"""Checklist templates: the shipped ones validate and render within Slack's limits; the validator's errors
name the file, the line and the field; `offboard-bot checklists validate PATH` exits 0 or 2."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cases.models import Case
from bot.checklist.models import ChecklistItem
from bot.checklist.templates import ROLES, Template, load_templates, parse_template
from bot.errors import ConfigError
from bot.revocation.titles import STEP_TITLES
from handlers.render.checklist import archive_messages, page_blocks, pages
from standins.slack_blocks import check_blocks
from wiring.cli import main

SHIPPED = ("employee", "contractor", "involuntary", "client")
LAST_DAY = date(2026, 12, 4)
CUTOFF = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
DONE_AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
DETAIL = ("Checked with the team and noted " * 10)[:200]
GOOD = "name: ours\ntitle: Ours\nitems:\n  - {id: a, title: A thing, role: hr, due: 0d}\n"


@pytest.fixture(scope="module")
def shipped() -> dict[str, Template]:
    return load_templates().templates


# -- the shipped templates --------------------------------------------------------------------------
def test_every_shipped_template_loads(shipped: dict[str, Template]) -> None:
    assert set(SHIPPED) <= set(shipped)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_template_shape(shipped: dict[str, Template], name: str) -> None:
    template = shipped[name]
    assert template.name == name
    assert len(template.items) < 40
    assert len({i.role for i in template.items}) >= 3
    assert template.description
    # Whoever needs guidance gets it: approvals and assets say what "done" means.
    for item in template.items:
        if item.kind in ("approval", "asset") and name != "employee":
            assert item.help, f"{name}/{item.id} has no help text"


@pytest.mark.parametrize("name", ["employee", "contractor", "involuntary"])
def test_people_templates_revoke_okta_and_graph_at_cutoff(shipped: dict[str, Template], name: str) -> None:
    revocations = [i for i in shipped[name].items if i.kind == "revocation"]
    assert {i.system for i in revocations} == {"okta", "graph"}
    assert all(i.role == "it" and i.due == "cutoff" for i in revocations)


def test_contractor(shipped: dict[str, Template]) -> None:
    template = shipped["contractor"]
    assert template.cutoff == "end_of_last_day"
    assert len(template.items) < len(shipped["employee"].items)
    words = " ".join(f"{i.id} {i.title}".lower() for i in template.items)
    for pay_or_benefits in ("final pay", "payroll", "benefit", "leave", "severance", "cobra"):
        assert pay_or_benefits not in words
    assert any(i.kind == "approval" and i.role == "manager" for i in template.items)
    assert any("invoice" in i.title.lower() and i.role == "manager" for i in template.items)
    assert any(i.kind == "asset" for i in template.items)


def test_involuntary(shipped: dict[str, Template]) -> None:
    template = shipped["involuntary"]
    assert template.cutoff == "immediate"
    roles = [i.role for i in template.items]
    first_other = next(n for n, role in enumerate(roles) if role != "security")
    assert first_other >= 3
    assert "security" not in roles[first_other:], "security items are listed first, together"
    assert all(i.due == "cutoff" for i in template.items[:first_other])
    # Same coverage as the employee template: every form option the employee template reacts to.
    conditions = {(k, v) for i in template.items for k, v in i.when.items()}
    employee = {(k, v) for i in shipped["employee"].items for k, v in i.when.items()}
    assert employee <= conditions
    ids = {i.id for i in template.items}
    assert {"final-pay", "severance", "benefits-notice", "device-retrieval"} <= ids
    assert {i.role for i in template.items} == set(ROLES)


def test_client(shipped: dict[str, Template]) -> None:
    template = shipped["client"]
    assert template.audience == "client"
    assert template.cutoff == "end_of_last_day"
    assert not [i for i in template.items if i.kind == "revocation"]
    closure = [i for i in template.items if i.id == "final-closure"]
    assert len(closure) == 1
    item = closure[0]
    assert (item.kind, item.role, item.due) == ("approval", "manager", "+1d")
    assert item.title == "Final closure approved by the account owner"
    text = " ".join(f"{i.title} {i.help}".lower() for i in template.items)
    for topic in (
        "deliverables",
        "handover",
        "slack connect",
        "invoice",
        "refund",
        "gdpr",
        "ccpa",
        "retention",
    ):
        assert topic in text
    # HR stands for finance on this template, and the help says so.
    assert any("finance" in i.help.lower() for i in template.items if i.role == "hr")
    # A different process, not the employee template renamed.
    assert not {i.id for i in template.items} & {"final-pay", "okta", "graph", "device-return", "badge"}


# -- rendering within Block Kit limits ----------------------------------------------------------------
def _case(template: Template) -> Case:
    return Case(
        id=42,
        subject_id="U0SUBJECT1",
        subject_name="Dana Example-Longname",
        subject_email="dana@example.com",
        subject_tz="UTC",
        requested_by="U0HRPERSON",
        manager_id="U0MANAGER1",
        template=template.name,
        reason="involuntary" if template.cutoff == "immediate" else "voluntary",
        last_day=LAST_DAY,
        cutoff_at=CUTOFF,
        options={},
        notes="",
        status="open",
        messages={},
        created_at=datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
        closed_at=None,
        close_reason=None,
    )


def _due_at(due: str) -> datetime:
    if due == "cutoff":
        return CUTOFF
    amount = int(due[:-1])
    return CUTOFF + (timedelta(days=amount) if due.endswith("d") else timedelta(hours=amount))


def _items(template: Template) -> list[ChecklistItem]:
    """Every item, ignoring `when` (the most there can be), revocation items expanded into every step."""
    items: list[ChecklistItem] = []
    for t in template.items:
        if t.kind == "revocation":
            expanded = [(k, title) for k, title in STEP_TITLES.items() if k.startswith(f"{t.system}.")]
        else:
            expanded = [(t.id, t.title)]
        for key, title in expanded:
            items.append(
                ChecklistItem(
                    id=len(items) + 1,
                    case_id=42,
                    key=key,
                    position=len(items),
                    title=title,
                    role=t.role,
                    due=t.due,
                    due_at=_due_at(t.due),
                    kind=t.kind,
                    step=key if t.kind == "revocation" else None,
                    help=t.help,
                    status="open",
                    done_by=None,
                    done_at=None,
                    detail="",
                    result={},
                    attempts=0,
                )
            )
    return items


def _all_done(case: Case, items: list[ChecklistItem]) -> None:
    for item in items:
        item.status = "done"
        item.done_by = "U12345678"
        item.done_at = DONE_AT
        item.detail = DETAIL
    case.status = "closed"
    case.closed_at = DONE_AT + timedelta(hours=1)
    case.close_reason = "All items done"


def _assert_renders(template: Template) -> int:
    """Both states (all open, all done); returns the number of checklist pages."""
    case = _case(template)
    items = _items(template)
    counts = []
    for state in ("open", "done"):
        if state == "done":
            _all_done(case, items)
        keys = pages(items)
        assert sorted(k for page in keys for k in page) == sorted(i.key for i in items)
        for n, page in enumerate(keys):
            blocks = page_blocks(case, items, page, first=n == 0)
            assert len(blocks) <= 50
            assert check_blocks(blocks, "message") == [], f"{template.name} {state} page {n + 1}"
        messages = archive_messages(case, items, "ab" * 32, 99)
        assert messages
        for n, blocks in enumerate(messages):
            assert len(blocks) <= 50
            assert check_blocks(blocks, "message") == [], f"{template.name} {state} archive {n + 1}"
        counts.append(len(keys))
    return counts[0]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_template_renders_within_block_kit_limits(shipped: dict[str, Template], name: str) -> None:
    _assert_renders(shipped[name])


def test_a_forty_item_template_renders_on_several_pages() -> None:
    lines = ["name: big", "title: Big", "items:"]
    for n in range(40):
        role = ROLES[n % len(ROLES)]
        title = f"Item {n:02d} " + "long title words " * 9
        lines.append(f'  - {{id: item-{n}, title: "{title[:150]}", role: {role}, due: +{n}d, help: "x"}}')
    template = parse_template("\n".join(lines) + "\n", "big.yml")
    assert len(template.items) == 40
    assert _assert_renders(template) >= 2


# -- validator errors: file, line, field ----------------------------------------------------------------
def _error(text: str) -> str:
    with pytest.raises(ConfigError) as e:
        parse_template(text, "x.yml")
    return str(e.value)


def _line(error: str, line: int) -> str:
    """The one error line that points at `x.yml:<line>:`."""
    found = [e for e in error.splitlines() if e.startswith(f"x.yml:{line}: ")]
    assert found, f"no error at x.yml:{line} in:\n{error}"
    return found[0]


HEAD = "name: x\ntitle: X\nitems:\n"


def test_unknown_role() -> None:
    error = _line(
        _error(
            HEAD + "  - {id: a, title: A, role: hr, due: 0d}\n  - {id: b, title: B, role: boss, due: 0d}\n"
        ),
        5,
    )
    assert "items.1.role" in error


def test_duplicate_id() -> None:
    error = _error(
        HEAD + "  - {id: a, title: A, role: hr, due: 0d}\n  - {id: a, title: B, role: it, due: 0d}\n"
    )
    line = _line(error, 5)  # the second `a`
    assert "items.1.id" in line and "duplicate" in line


def test_bad_due() -> None:
    error = _line(
        _error(
            HEAD + "  - {id: a, title: A, role: hr, due: 0d}\n  - {id: b, title: B, role: hr, due: -5x}\n"
        ),
        5,
    )
    assert "items.1.due" in error and "due must be" in error


def test_unknown_field_on_an_item() -> None:
    error = _line(_error(HEAD + "  - {id: a, title: A, role: hr, due: 0d, colour: red}\n"), 4)
    assert "items.0.colour" in error and "unknown field" in error


def test_unknown_field_at_the_top() -> None:
    error = _line(
        _error("name: x\ntitle: X\nowner: bob\nitems:\n  - {id: a, title: A, role: hr, due: 0d}\n"), 3
    )
    assert "owner" in error and "unknown field" in error


def test_revocation_without_system() -> None:
    error = _line(
        _error(
            HEAD
            + "  - {id: a, title: A, role: hr, due: 0d}\n  - {id: b, title: B, role: it, due: cutoff,\n     kind: revocation}\n"
        ),
        5,
    )
    assert "items.1" in error and "system" in error


def test_unknown_step_system() -> None:
    error = _line(
        _error(HEAD + "  - {id: a, title: A, role: it, due: cutoff, kind: revocation, system: ldap}\n"), 4
    )
    assert "items.0.system" in error


def test_unknown_condition_in_when() -> None:
    error = _line(
        _error(
            HEAD
            + "  - {id: a, title: A, role: it, due: 0d}\n  - {id: b, title: B, role: it, due: 0d, when: {laptop: true}}\n"
        ),
        5,
    )
    assert "items.1.when" in error and "laptop" in error


def test_bad_condition_value_in_when() -> None:
    error = _line(_error(HEAD + "  - {id: a, title: A, role: it, due: 0d, when: {mailbox: archive}}\n"), 4)
    assert "items.0.when" in error and "mailbox" in error


def test_a_field_in_a_block_style_item_is_reported_at_its_own_line() -> None:
    text = HEAD + "  - id: a\n    title: A\n    role: boss\n    due: 0d\n"
    error = _line(_error(text), 6)
    assert "items.0.role" in error


def test_one_bad_item_is_not_also_reported_as_an_empty_list() -> None:
    error = _error(HEAD + "  - {id: a, title: A, role: boss, due: 0d}\n")
    assert "items.0.role" in _line(error, 4)
    assert "at least 1 item" not in error


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", ""])
def test_not_a_mapping(text: str) -> None:
    assert _line(_error(text), 1)


def test_broken_yaml() -> None:
    error = _error(HEAD + "  - {id: a, title: A, role: it, due: 0d\n  - {id: b}\n")
    assert _line(error, 5)
    assert "not valid YAML" in error


# -- the organisation's folder ------------------------------------------------------------------------------
def test_org_folder_adds_and_overrides_by_name(tmp_path: Path) -> None:
    (tmp_path / "ours.yml").write_text(GOOD)
    (tmp_path / "employee.yml").write_text(
        "name: employee\ntitle: Our employee\nitems:\n  - {id: a, title: A, role: hr, due: 0d}\n"
    )
    templates = load_templates(tmp_path)
    assert templates.get("employee").title == "Our employee"
    assert len(templates.get("employee").items) == 1
    assert templates.get("ours").title == "Ours"
    assert set(SHIPPED) <= set(templates.names())
    assert templates.names("client") == ["client"]


def test_org_folder_with_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "ours.yml").write_text(GOOD)
    (tmp_path / "broken.yml").write_text(
        HEAD + "  - {id: a, title: A, role: hr, due: 0d}\n  - {id: b, title: B, role: boss, due: 0d}\n"
    )
    (tmp_path / "worse.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ConfigError) as e:
        load_templates(tmp_path)
    message = str(e.value)
    assert f"{tmp_path / 'broken.yml'}:5: items.1.role" in message
    assert f"{tmp_path / 'worse.yaml'}:" in message
    assert "ours.yml" not in message


def test_missing_org_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_templates(tmp_path / "nope")


# -- offboard-bot checklists validate PATH ----------------------------------------------------------------
@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "DATABASE_URL", "OFFBOARD_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("clean_env")
def test_cli_validate_good_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ours.yml").write_text(GOOD)
    assert main(["checklists", "validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in (*SHIPPED, "ours"):
        assert f"ok  {name}:" in out


@pytest.mark.usefixtures("clean_env")
def test_cli_validate_bad_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ours.yml").write_text(GOOD)
    (tmp_path / "bad.yml").write_text(HEAD + "  - {id: a, title: A, role: hr, due: -5x}\n")
    assert main(["checklists", "validate", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"{tmp_path / 'bad.yml'}:4: items.0.due" in captured.err
    assert "ok  " not in captured.out


@pytest.mark.usefixtures("clean_env")
def test_cli_validate_shipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklists", "validate"]) == 0
    assert "ok  client:" in capsys.readouterr().out
