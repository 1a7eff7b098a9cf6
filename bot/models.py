"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from bot.assets.models import Asset
from bot.cases.models import Batch, Case
from bot.checklist.models import ChecklistItem
from bot.db import Base
from bot.evidence.models import Event

__all__ = ["Asset", "Base", "Batch", "Case", "ChecklistItem", "Event"]
