"""The asset register: who holds which equipment, read from the CSV or YAML file the config names.

Columns (CSV header, or keys of each YAML entry): owner_email, asset_tag, kind, description, serial.
The first three are required. Unknown columns are an error, so a typo ("serail") surfaces at start
instead of silently dropping data. Every problem names the file and line: `register.csv:7: kind: …`.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.assets.models import INTUNE, REGISTER
from bot.errors import ConfigError
from bot.ports import EMAIL
from bot.yaml_lines import LineLoader

log = logging.getLogger(__name__)

COLUMNS = ("owner_email", "asset_tag", "kind", "description", "serial")
REQUIRED = ("owner_email", "asset_tag", "kind")
LIMITS = {"owner_email": 320, "asset_tag": 100, "kind": 32, "description": 255, "serial": 100}
MAX_PROBLEMS = 50  # a wholly wrong file should not print ten thousand lines


@dataclass(frozen=True)
class AssetInput:
    """One asset to attach to a case, from the register or from Intune."""

    source: str  # register | intune
    asset_tag: str
    kind: str
    description: str = ""
    serial: str | None = None


@dataclass(frozen=True)
class RegisterEntry:
    owner_email: str
    asset: AssetInput
    line: int


class AssetRegister:
    def __init__(self, entries: Iterable[RegisterEntry], source: str = "") -> None:
        self.source = source
        self.entries = list(entries)
        self._by_owner: dict[str, list[AssetInput]] = {}
        for entry in self.entries:
            self._by_owner.setdefault(entry.owner_email, []).append(entry.asset)

    def assets_for(self, email: str | None) -> list[AssetInput]:
        """The assets registered to this person (email compared case-insensitively)."""
        if not email:
            return []
        return list(self._by_owner.get(email.strip().lower(), []))

    def __len__(self) -> int:
        return len(self.entries)


def load_register(path: str | Path) -> AssetRegister:
    """Read and validate a register; raises ConfigError listing every problem with its line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yml", ".yaml"):
        raise ConfigError(f"{path}: an asset register must be a .csv, .yml or .yaml file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets save CSV with a BOM
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (save the register as UTF-8)") from None
    rows = _csv_rows(path, text) if suffix == ".csv" else _yaml_rows(path, text)
    return AssetRegister(_validate(path, rows), str(path))


# A row as read: its line, {column: text or None}, and the line of each column when known.
_Row = tuple[int, dict[str, str | None], dict[str, int]]


def _csv_rows(path: Path, text: str) -> list[_Row]:
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise ConfigError(f"{path}:1: not valid CSV: {e}") from None
    if not header or not any(h.strip() for h in header):
        raise ConfigError(f"{path}:1: no header row; the columns are {', '.join(COLUMNS)}")
    names = [h.strip().lower() for h in header]
    _check_columns(path, 1, names)
    rows: list[_Row] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(values) > len(names):
                raise ConfigError(
                    f"{path}:{line}: {len(values)} values but the header names {len(names)} columns"
                )
            record: dict[str, str | None] = dict.fromkeys(COLUMNS)
            record.update(zip(names, values, strict=False))
            rows.append((line, record, {}))
    except csv.Error as e:
        raise ConfigError(f"{path}:{reader.line_num}: not valid CSV: {e}") from None
    return rows


def _check_columns(path: Path, line: int, names: list[str]) -> None:
    unknown = [n for n in names if n not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    dupes = sorted({n for n in names if names.count(n) > 1})
    problems = []
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown) or '(empty name)'}")
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if dupes:
        problems.append(f"column(s) named twice: {', '.join(dupes)}")
    if problems:
        raise ConfigError(f"{path}:{line}: {'; '.join(problems)} (the columns are {', '.join(COLUMNS)})")


def _yaml_rows(path: Path, text: str) -> list[_Row]:
    try:
        raw = yaml.load(text, Loader=LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{path}:{line}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if raw is None:
        return []
    if isinstance(raw, dict):
        extra = [k for k in raw if k not in ("assets", "__line__", "__lines__")]
        if extra or "assets" not in raw:
            raise ConfigError(
                f"{path}:{raw['__line__']}: expected a list of assets, or one key `assets:` holding it"
            )
        raw = raw["assets"] or []
    if not isinstance(raw, list):
        raise ConfigError(f"{path}:1: expected a list of assets")
    rows: list[_Row] = []
    problems: list[str] = []
    for n, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(f"{path}: entry {n}: must be a mapping of {', '.join(COLUMNS)}")
            continue
        line = entry.pop("__line__")
        lines = entry.pop("__lines__")
        unknown = [str(k) for k in entry if k not in COLUMNS]
        if unknown:
            problems.append(
                f"{path}:{lines.get(unknown[0], line)}: unknown key(s): {', '.join(unknown)} "
                f"(the keys are {', '.join(COLUMNS)})"
            )
            continue
        record: dict[str, str | None] = dict.fromkeys(COLUMNS)
        for key, value in entry.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
                problems.append(f"{path}:{lines.get(key, line)}: {key}: must be text (quote it)")
                continue
            record[key] = str(value)
        rows.append((line, record, lines))
    if problems:
        raise ConfigError("\n".join(problems[:MAX_PROBLEMS]))
    return rows


def _validate(path: Path, rows: list[_Row]) -> list[RegisterEntry]:
    problems: list[str] = []
    entries: list[RegisterEntry] = []
    seen: dict[str, int] = {}
    for line, record, lines in rows:
        values = {k: (v or "").strip() for k, v in record.items()}
        bad = False

        def problem(column: str, what: str, line: int = line, lines: dict[str, int] = lines) -> None:
            problems.append(f"{path}:{lines.get(column, line)}: {column}: {what}")

        for column in REQUIRED:
            if not values[column]:
                problem(column, "required, but empty")
                bad = True
        for column, limit in LIMITS.items():
            if len(values[column]) > limit:
                problem(column, f"longer than {limit} characters")
                bad = True
        email = values["owner_email"].lower()
        if email and not EMAIL.fullmatch(email):
            problem("owner_email", f"not an email address: {values['owner_email']!r}")
            bad = True
        tag = values["asset_tag"]
        if tag and tag in seen:
            problem("asset_tag", f"{tag!r} is already listed on line {seen[tag]}")
            bad = True
        if tag:
            seen.setdefault(tag, lines.get("asset_tag", line))
        if bad:
            continue
        asset = AssetInput(
            source=REGISTER,
            asset_tag=tag,
            kind=values["kind"].lower(),
            description=values["description"],
            serial=values["serial"] or None,
        )
        entries.append(RegisterEntry(email, asset, line))
    if problems:
        more = len(problems) - MAX_PROBLEMS
        shown = problems[:MAX_PROBLEMS] + ([f"… and {more} more problem(s)"] if more > 0 else [])
        raise ConfigError("\n".join(shown))
    return entries


class RegisterFile:
    """The register at a path, read again when the file changes. A bad edit keeps the last good copy
    (and is logged), so a typo in the spreadsheet never stops offboardings; at start it is an error."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._stamp = self._mtime()
        self.register = load_register(self.path)

    def _mtime(self) -> float | None:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return None

    def assets_for(self, email: str | None) -> list[AssetInput]:
        stamp = self._mtime()
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            try:
                self.register = load_register(self.path)
            except ConfigError as e:
                log.error("asset register not reloaded, keeping the previous copy: %s", e)
        return self.register.assets_for(email)


def device_kind(name: str) -> str:
    """Laptop or phone from the operating system Intune reports ("Jane's iPhone (iOS)")."""
    os_name = name.rsplit("(", 1)[-1].rstrip(")").strip().lower() if "(" in name else ""
    if os_name in ("ios", "android", "ipados") or os_name.startswith(("android", "ios")):
        return "tablet" if os_name == "ipados" else "phone"
    if os_name in ("windows", "macos", "mac os x", "macosx", "linux", "chromeos"):
        return "laptop"
    return "device"


def devices_from_access(entries: Iterable[Any]) -> list[AssetInput]:
    """Intune managed devices from a Graph AccessState's entries (kind "device", id = device id)."""
    found = []
    for entry in entries:
        if getattr(entry, "kind", None) != "device" or not getattr(entry, "id", ""):
            continue
        found.append(
            AssetInput(
                source=INTUNE,
                asset_tag=str(entry.id)[: LIMITS["asset_tag"]],
                kind=device_kind(entry.name),
                description=str(entry.name)[: LIMITS["description"]],
            )
        )
    return found
