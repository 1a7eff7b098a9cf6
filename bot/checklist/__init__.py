"""Checklist templates (YAML in `checklists/`) and the state of each case's items."""
