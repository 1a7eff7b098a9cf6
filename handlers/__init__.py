"""Thin Slack adapters: translate payloads into calls on `bot/` and render Block Kit."""
