"""Shipped checklist templates (YAML data). Loaded and validated by `bot.checklist.templates`."""
