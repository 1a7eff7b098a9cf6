"""Reading a layoff CSV: columns, row numbers, options — every problem named by its row."""

from __future__ import annotations

import pytest

from bot.bulk.rows import BatchInvalid, parse, parse_options, who

HEADER = "user,last_day,template,reason,options\n"


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    rows = parse(
        HEADER
        + "U0AAA1,2026-12-04,employee,voluntary,\n\nann@example.com,2026-12-04,contractor,involuntary,\n"
    )
    assert [(r.number, r.user, r.template) for r in rows] == [
        (2, "U0AAA1", "employee"),
        (4, "ann@example.com", "contractor"),  # the blank line 3 still counts
    ]


def test_header_names_are_forgiving_about_case_spaces_and_aliases():
    rows = parse("Email;Last Day;Template;Reason\nann@example.com;2026-12-04;employee;voluntary\n")
    assert rows[0].user == "ann@example.com" and rows[0].last_day == "2026-12-04"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "File: the file is empty; the first row must name the columns"),
        ("user,last_day,template\n", "Row 1, reason: required column is missing"),
        (
            "user,last_day,template,reason,colour\nU0AAA1,2026-12-04,employee,voluntary,red\n",
            "Row 1, colour: unknown column",
        ),
        (HEADER, "File: no departures: the file has a header but no rows"),
    ],
)
def test_a_file_that_is_not_a_batch_says_why(text, expected):
    with pytest.raises(BatchInvalid) as e:
        parse(text)
    assert str(e.value.errors[0]).startswith(expected)


def test_stray_cells_are_a_row_problem():
    rows = parse(HEADER + "U0AAA1,2026-12-04,employee,voluntary,mailbox=shared,oops\n")
    assert [str(e) for e in rows[0].errors] == [
        "Row 2: 6 cells but 5 columns (a comma inside a cell needs quotes)"
    ]


def test_options_read_like_the_form():
    row = parse(
        HEADER
        + 'U0AAA1,2026-12-04,employee,voluntary,"mailbox=delegate:<@U0BOSS1>; phone=forward:Bo@Example.com; backup"\n'
    )[0]
    options = parse_options(row)
    assert options.mailbox == "delegate" and options.mailbox_delegate == who("U0BOSS1")
    assert options.phone == "forward" and options.phone_forward_to == who("bo@example.com")
    assert options.backup_data is True and row.errors == []


def test_bad_options_are_named():
    row = parse(HEADER + "U0AAA1,2026-12-04,employee,voluntary,mailbox=archive; phone=forward; colour=red\n")[
        0
    ]
    parse_options(row)
    assert [str(e) for e in row.errors] == [
        "Row 2, options: mailbox must be one of none, shared, delegate, backup_delete; got 'archive'",
        "Row 2, options: phone=forward:<who> needs a Slack user id or an email",
        "Row 2, options: unknown option 'colour' (known: mailbox, phone, backup_data)",
    ]
