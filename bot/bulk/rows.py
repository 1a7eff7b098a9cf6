"""A layoff CSV as numbered rows, and what each cell must hold. No Slack and no database here.

Columns (header names are case-insensitive; spaces and dashes count as underscores):
  user      Slack user id (U0123ABCD, or <@U0123ABCD>) or the person's email — required
  last_day  YYYY-MM-DD — required
  template  checklist template name (employee, contractor, …) — required
  reason    voluntary or involuntary — required
  options   optional, `;`-separated: mailbox=shared|delegate:<who>|backup_delete, phone=disable|forward:<who>,
            backup_data=yes — <who> is a Slack user id or an email
  manager   optional: Slack user id or email (else read from Okta/Graph, else the person starting the batch)
  notes     optional
Row numbers are the line numbers a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from bot.cases.requests import MAILBOX, PHONE
from bot.errors import InvalidRequest
from bot.ports import EMAIL, USER_REF

REQUIRED = ("user", "last_day", "template", "reason")
OPTIONAL = ("options", "manager", "notes")
ALIASES = {"email": "user", "slack_user": "user", "person": "user", "last_working_day": "last_day"}
MAX_ROWS = 2000
MAX_BYTES = 1_000_000
YES = {"yes", "true", "1", "y"}
NO = {"no", "false", "0", "n", ""}
# option -> (its choices, the choice that names a person, the field that person goes in)
CHOICES = {
    "mailbox": (MAILBOX, "delegate", "mailbox_delegate"),
    "phone": (PHONE, "forward", "phone_forward_to"),
}


@dataclass(frozen=True)
class RowError:
    row: int  # 0: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class BatchInvalid(InvalidRequest):
    """Some rows are wrong; nothing was started. `errors` are in row order."""

    def __init__(self, errors: list[RowError]) -> None:
        errors = sorted(errors, key=lambda e: (e.row, e.column))
        rows = {e.row for e in errors if e.row}
        super().__init__(
            f"{len(errors)} problem(s) in {len(rows)} row(s); nothing was started."
            if rows
            else str(errors[0])
        )
        self.errors = errors


@dataclass(frozen=True)
class Who:
    """A person named in a cell: a Slack user id or an email."""

    slack_id: str | None = None
    email: str | None = None

    def __str__(self) -> str:
        return self.slack_id or self.email or ""


@dataclass
class Row:
    number: int
    user: str
    last_day: str
    template: str
    reason: str
    options: str = ""
    manager: str = ""
    notes: str = ""
    errors: list[RowError] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


def who(text: str) -> Who | None:
    text = text.strip()
    found = USER_REF.fullmatch(text)
    if found:
        return Who(slack_id=found.group(1))
    if EMAIL.fullmatch(text):
        return Who(email=text.lower())
    return None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _column(name: str) -> str:
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    return ALIASES.get(key, key)


def parse(text: str) -> list[Row]:
    """The rows of a CSV; raise BatchInvalid for a file that cannot be read as one."""
    if len(text.encode()) > MAX_BYTES:
        raise BatchInvalid([RowError(0, "", f"the file is larger than {MAX_BYTES // 1000} kB")])
    text = text.lstrip("\ufeff")  # Excel's byte-order mark
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise BatchInvalid([RowError(1, "", f"not readable as CSV ({e})")]) from None
    if not header or not any(h.strip() for h in header):
        raise BatchInvalid([RowError(0, "", "the file is empty; the first row must name the columns")])
    columns = [_column(h) for h in header]
    errors = [
        RowError(1, name, "unknown column (known: " + ", ".join(REQUIRED + OPTIONAL) + ")")
        for name in columns
        if name and name not in REQUIRED + OPTIONAL
    ]
    errors += [RowError(1, name, "required column is missing") for name in REQUIRED if name not in columns]
    errors += [
        RowError(1, name, "this column appears twice")
        for name in set(columns)
        if name and columns.count(name) > 1
    ]
    if errors:
        raise BatchInvalid(errors)
    rows: list[Row] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            values = dict.fromkeys(REQUIRED + OPTIONAL, "")
            for name, cell in zip(columns, cells, strict=False):
                if name:
                    values[name] = cell.strip()
            row = Row(reader.line_num, **values)
            if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
                row.problem(
                    "", f"{len(cells)} cells but {len(columns)} columns (a comma inside a cell needs quotes)"
                )
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise BatchInvalid([RowError(0, "", f"more than {MAX_ROWS} rows; split the batch")])
    except csv.Error as e:
        raise BatchInvalid([RowError(reader.line_num, "", f"not readable as CSV ({e})")]) from None
    if not rows:
        raise BatchInvalid([RowError(0, "", "no departures: the file has a header but no rows")])
    return rows


@dataclass
class Options:
    """The options cell, as the form's fields; people still as written (resolved by the service)."""

    mailbox: str = "none"
    mailbox_delegate: Who | None = None
    phone: str = "none"
    phone_forward_to: Who | None = None
    backup_data: bool = False


def parse_options(row: Row) -> Options:
    """Read the options cell; problems go on the row."""
    found = Options()
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", row.options))):
        key, _, value = (s.strip().lower() for s in part.partition("="))
        raw_value = part.partition("=")[2].strip()
        if key in CHOICES:
            choices, needs_who, target_field = CHOICES[key]
            kind, _, target = value.partition(":")
            if kind not in choices:
                row.problem("options", f"{key} must be one of {', '.join(choices)}; got '{value}'")
                continue
            setattr(found, key, kind)
            if kind == needs_who:
                named = who(raw_value.partition(":")[2]) if target else None
                setattr(found, target_field, named)
                if named is None:
                    row.problem("options", f"{key}={needs_who}:<who> needs a Slack user id or an email")
        elif key in ("backup_data", "backup"):
            if value not in YES | NO:
                row.problem("options", f"backup_data must be yes or no; got '{value}'")
            found.backup_data = value in YES or (key == "backup" and not part.count("="))
        else:
            row.problem("options", f"unknown option '{key}' (known: mailbox, phone, backup_data)")
    return found
