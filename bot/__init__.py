"""The offboarding domain: cases, checklist state, schedule, revocation and evidence.

Nothing in this package parses Slack payloads; `handlers/` translates them into calls here.
"""
