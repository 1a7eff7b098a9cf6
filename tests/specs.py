"""The vendors' spec excerpts in `shared/specs`, beside the repository (as CI lays it) or at /work/shared."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLACES = (ROOT.parent / "shared" / "specs", Path("/work/shared/specs"))


def shared_spec(relative: str) -> Path:
    for base in PLACES:
        if (base / relative).exists():
            return base / relative
    pytest.fail(f"shared/specs/{relative} is missing beside the repository")
