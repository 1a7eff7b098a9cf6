"""Domain errors. One Slack error handler maps them to an ephemeral message or modal errors."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the person who acted should read; never a crash. `by`: the person whose earlier
    action it names (the chat side words it, e.g. "… already done by @Hana")."""

    def __init__(self, message: str, *, by: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.by = by


class InvalidRequest(DomainError):
    """Bad input. `fields` maps a form field to what is wrong with it."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class NotAllowed(DomainError):
    """The person lacks the role for this action."""


class NotFound(DomainError):
    """The case, item or person does not exist."""


class Conflict(DomainError):
    """The action clashes with the current state (already done, already open, closed)."""


class ConfigError(Exception):
    """Configuration or template files are wrong; raised at start, naming the file and key."""
