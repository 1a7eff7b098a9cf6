"""Checklist templates: YAML files validated on load, with errors that name the file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ConfigError
from bot.yaml_lines import LineLoader, line_of, strip_lines

ROLES = ("hr", "it", "security", "manager")
ROLE_NAMES = {"hr": "HR", "it": "IT", "security": "Security", "manager": "Manager"}
SYSTEMS = ("okta", "graph")
DUE = re.compile(r"^(cutoff|[+-]?\d{1,3}[dh])$")
# Form options an item may be conditional on, with the values they can take.
CONDITIONS: dict[str, tuple[Any, ...]] = {
    "mailbox": ("none", "shared", "delegate", "backup_delete"),
    "phone": ("none", "disable", "forward"),
    "backup_data": (True, False),
    "reason": ("voluntary", "involuntary"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateItem(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
    title: str = Field(min_length=1, max_length=150)
    role: Literal["hr", "it", "security", "manager"]
    due: str
    kind: Literal["task", "revocation", "manual", "approval", "asset"] = "task"
    system: Literal["okta", "graph"] | None = None
    help: str = Field(default="", max_length=1000)
    when: dict[str, Any] = {}

    @field_validator("due")
    @classmethod
    def _due(cls, v: str) -> str:
        if not DUE.match(v):
            raise ValueError("due must be 'cutoff' or an offset from the last day such as -5d, 0d, +1d, +2h")
        return v

    @field_validator("when")
    @classmethod
    def _when(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, value in v.items():
            if key not in CONDITIONS:
                raise ValueError(f"unknown condition {key!r} (known: {', '.join(CONDITIONS)})")
            if value not in CONDITIONS[key]:
                raise ValueError(f"condition {key} cannot be {value!r}")
        return v

    @model_validator(mode="after")
    def _system(self) -> TemplateItem:
        if self.kind == "revocation" and self.system is None:
            raise ValueError("a revocation item needs system: okta or graph")
        if self.kind != "revocation" and self.system is not None:
            raise ValueError("only revocation items name a system")
        return self


class Template(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    title: str = Field(max_length=60)
    description: str = Field(default="", max_length=300)
    audience: Literal["employee", "client"] = "employee"
    cutoff: Literal["end_of_last_day", "immediate"] = "end_of_last_day"
    # The item that approves closing the case: it can only be done once every other item is.
    closure_approval: str | None = None
    # The out-of-office reply the form offers, editable there; "{name}" is the person leaving.
    auto_reply: str = Field(default="", max_length=1000)
    items: tuple[TemplateItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _closure_item(self) -> Template:
        if self.closure_approval and not any(
            i.id == self.closure_approval and i.kind == "approval" for i in self.items
        ):
            raise ValueError(f"closure_approval names no approval item {self.closure_approval!r}")
        return self

    def duplicate_ids(self) -> list[int]:
        """Positions of items whose id was already used (checked after parsing, to report the line)."""
        seen: set[str] = set()
        dupes = []
        for n, item in enumerate(self.items):
            if item.id in seen:
                dupes.append(n)
            seen.add(item.id)
        return dupes


def parse_template(text: str, source: str) -> Template:
    """Validate one template; every problem is reported as `source:line: field: message`."""
    try:
        raw = yaml.load(text, Loader=LineLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{source}:{line}: not valid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}:1: a template is a mapping with name, title and items")
    try:
        template = Template.model_validate(strip_lines(raw))
    except ValidationError as e:
        errors = e.errors()
        # A list whose items all failed is also "too short": say only what is wrong with the items.
        item_errors = any(len(err["loc"]) > 1 and err["loc"][0] == "items" for err in errors)
        lines = []
        for err in errors:
            loc = tuple(err["loc"])
            if item_errors and loc == ("items",) and err["type"] == "too_short":
                continue
            where = ".".join(str(p) for p in loc) or "(top)"
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"{source}:{line_of(raw, loc)}: {where}: {msg}")
        raise ConfigError("\n".join(lines)) from None
    dupes = template.duplicate_ids()
    if dupes:
        raise ConfigError(
            "\n".join(
                f"{source}:{line_of(raw, ('items', n, 'id'))}: items.{n}.id: duplicate item id "
                f"{template.items[n].id!r}"
                for n in dupes
            )
        )
    return template


@dataclass(frozen=True)
class TemplateSet:
    templates: dict[str, Template]

    def get(self, name: str) -> Template:
        try:
            return self.templates[name]
        except KeyError:
            raise ConfigError(f"no checklist template named {name!r}") from None

    def names(self, audience: str | None = None) -> list[str]:
        return [n for n, t in self.templates.items() if audience is None or t.audience == audience]


def _files(folder: Path | None) -> list[tuple[str, str]]:
    if folder is None:
        pkg = resources.files("checklists")
        return sorted(
            (f"checklists/{p.name}", p.read_text(encoding="utf-8"))
            for p in pkg.iterdir()
            if p.name.endswith((".yml", ".yaml"))
        )
    if not folder.is_dir():
        raise ConfigError(f"{folder}: templates folder does not exist")
    return sorted((str(p), p.read_text(encoding="utf-8")) for p in folder.glob("*.y*ml"))


def load_templates(extra_dir: str | Path | None = None) -> TemplateSet:
    """The shipped templates, then the organisation's folder (same name overrides)."""
    found: dict[str, Template] = {}
    problems: list[str] = []
    sources = _files(None) + (_files(Path(extra_dir)) if extra_dir else [])
    for source, text in sources:
        try:
            template = parse_template(text, source)
        except ConfigError as e:
            problems.append(str(e))
            continue
        found[template.name] = template
    if problems:
        raise ConfigError("\n".join(problems))
    return TemplateSet(found)
