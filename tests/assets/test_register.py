"""The asset register: CSV and YAML read alike; every problem names the file and its line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.assets.register import AssetInput, RegisterFile, device_kind, devices_from_access, load_register
from bot.errors import ConfigError
from bot.revocation.contract import AccessEntry


def write(tmp_path: Path, name: str, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def test_good_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "register.csv",
        "Owner_Email, asset_tag ,kind,description,serial\n"
        'jane@example.com,LT-0042,Laptop,"MacBook Pro 14"", 2023",C02XYZ\n'
        "\n"
        "JANE@example.com,PH-7,phone,,\n"
        "colin@example.com,MON-3,monitor,Dell 27,\n",
        bom=True,  # spreadsheets save CSV with a byte-order mark
    )
    register = load_register(path)
    assert len(register) == 3
    assert register.assets_for("Jane@Example.com ") == [
        AssetInput("register", "LT-0042", "laptop", 'MacBook Pro 14", 2023', "C02XYZ"),
        AssetInput("register", "PH-7", "phone", "", None),
    ]
    assert register.assets_for("colin@example.com")[0].asset_tag == "MON-3"
    assert register.assets_for("nobody@example.com") == []
    assert register.assets_for(None) == []


def test_csv_without_optional_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "owner_email,asset_tag,kind\njane@example.com,LT-1,laptop\n")
    assert load_register(path).assets_for("jane@example.com") == [AssetInput("register", "LT-1", "laptop")]


def test_good_yaml_list_and_mapping(tmp_path: Path) -> None:
    listed = write(
        tmp_path,
        "register.yml",
        "- owner_email: jane@example.com\n"
        "  asset_tag: LT-0042\n"
        "  kind: laptop\n"
        "  description: MacBook Pro 14\n"
        "  serial: 12345678\n"  # YAML reads a number; it is kept as text
        "- {owner_email: jane@example.com, asset_tag: YK-1, kind: security key}\n",
    )
    wrapped = write(
        tmp_path,
        "register.yaml",
        "assets:\n  - owner_email: jane@example.com\n    asset_tag: LT-0042\n    kind: Laptop\n",
    )
    assert load_register(listed).assets_for("jane@example.com") == [
        AssetInput("register", "LT-0042", "laptop", "MacBook Pro 14", "12345678"),
        AssetInput("register", "YK-1", "security key"),
    ]
    assert [a.asset_tag for a in load_register(wrapped).assets_for("jane@example.com")] == ["LT-0042"]
    assert len(load_register(write(tmp_path, "empty.yml", ""))) == 0


def problems(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_register(path)
    return str(caught.value)


def test_csv_row_errors_name_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "register.csv",
        "owner_email,asset_tag,kind,description,serial\n"
        "jane@example.com,LT-1,laptop,,\n"
        "not-an-email,LT-2,laptop,,\n"
        "jane@example.com,,phone,,\n"
        "colin@example.com,LT-1,laptop,,\n"
        f"colin@example.com,LT-9,{'x' * 33},,\n",
    )
    text = problems(path)
    lines = text.splitlines()
    assert f"{path}:3: owner_email: not an email address: 'not-an-email'" in lines
    assert f"{path}:4: asset_tag: required, but empty" in lines
    assert f"{path}:5: asset_tag: 'LT-1' is already listed on line 2" in lines
    assert f"{path}:6: kind: longer than 32 characters" in lines
    assert len(lines) == 4


def test_csv_header_errors(tmp_path: Path) -> None:
    missing = write(tmp_path, "a.csv", "owner_email,asset_tag\njane@example.com,LT-1\n")
    assert problems(missing).startswith(f"{missing}:1: missing column(s): kind")
    typo = write(tmp_path, "b.csv", "owner_email,asset_tag,kind,serail\njane@example.com,LT-1,laptop,X\n")
    assert f"{typo}:1: unknown column(s): serail" in problems(typo)
    twice = write(tmp_path, "c.csv", "owner_email,asset_tag,kind,kind\n")
    assert "column(s) named twice: kind" in problems(twice)
    empty = write(tmp_path, "d.csv", "")
    assert f"{empty}:1: no header row" in problems(empty)
    wide = write(
        tmp_path, "e.csv", "owner_email,asset_tag,kind\njane@example.com,LT-1,laptop\nj@x.io,A,b,c\n"
    )
    assert problems(wide) == f"{wide}:3: 4 values but the header names 3 columns"


def test_yaml_errors_name_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "register.yml",
        "- owner_email: jane@example.com\n"  # line 1
        "  asset_tag: LT-1\n"
        "  kind: laptop\n"
        "- owner_email: jane\n"  # line 4
        "  asset_tag: LT-2\n"
        "  kind: laptop\n"
        "- owner_email: colin@example.com\n"  # line 7
        "  asset_tag: LT-3\n",
    )
    lines = problems(path).splitlines()
    assert lines == [
        f"{path}:4: owner_email: not an email address: 'jane'",
        f"{path}:7: kind: required, but empty",
    ]
    typo = write(tmp_path, "t.yml", "- owner_email: j@x.io\n  asset_tag: A\n  kind: laptop\n  serail: 1\n")
    assert problems(typo).startswith(f"{typo}:4: unknown key(s): serail")
    nested = write(tmp_path, "n.yml", "- owner_email: j@x.io\n  asset_tag: [A, B]\n  kind: laptop\n")
    assert problems(nested) == f"{nested}:2: asset_tag: must be text (quote it)"
    scalar = write(tmp_path, "s.yml", "- just a string\n")
    assert "entry 1: must be a mapping" in problems(scalar)
    broken = write(tmp_path, "b.yml", "- owner_email: j@x.io\n  asset_tag: [\n")
    assert problems(broken).startswith(f"{broken}:3: not valid YAML")
    other = write(tmp_path, "o.yml", "laptops: []\n")
    assert "expected a list of assets" in problems(other)


def test_file_type_and_missing_file(tmp_path: Path) -> None:
    assert "must be a .csv, .yml or .yaml file" in problems(write(tmp_path, "r.xlsx", "x"))
    assert "cannot read" in problems(tmp_path / "absent.csv")


def test_register_file_reloads_and_keeps_the_last_good_copy(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "owner_email,asset_tag,kind\njane@example.com,LT-1,laptop\n")
    live = RegisterFile(path)
    assert [a.asset_tag for a in live.assets_for("jane@example.com")] == ["LT-1"]

    def rewrite(text: str, bump: int) -> None:
        path.write_text(text, encoding="utf-8")
        stamp = path.stat().st_mtime + bump
        os.utime(path, (stamp, stamp))

    rewrite("owner_email,asset_tag,kind\njane@example.com,LT-1,laptop\njane@example.com,PH-2,phone\n", 10)
    assert [a.asset_tag for a in live.assets_for("jane@example.com")] == ["LT-1", "PH-2"]
    rewrite("owner_email,asset_tag,kind\nbroken,LT-1,laptop\n", 20)
    assert [a.asset_tag for a in live.assets_for("jane@example.com")] == ["LT-1", "PH-2"]
    with pytest.raises(ConfigError):
        RegisterFile(path)  # at start, a bad register is an error


def test_intune_devices_become_assets() -> None:
    entries = [
        AccessEntry("device", "JANE-LAPTOP (Windows)", "d-1", "graph.retire_devices", "managed"),
        AccessEntry("device", "Jane's iPhone (iOS)", "d-2", "graph.retire_devices", "managed"),
        AccessEntry("license", "SPE_E5", "sku-1"),
        AccessEntry("device", "no id (Windows)", ""),
    ]
    assert devices_from_access(entries) == [
        AssetInput("intune", "d-1", "laptop", "JANE-LAPTOP (Windows)"),
        AssetInput("intune", "d-2", "phone", "Jane's iPhone (iOS)"),
    ]
    assert device_kind("Kiosk") == "device" and device_kind("Tab (iPadOS)") == "tablet"
