"""Modal private metadata, sealed: an HMAC (a key derived from the signing secret) binds what a modal
is about to its purpose (callback id) and to the person it was opened for. A submission whose
metadata was altered, moved to another form or submitted by someone else is refused, before any
lookup and without changing anything."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from bot.errors import NotAllowed

STALE = "This form is no longer valid. Please start again."


class Sealer:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"offboard modal metadata", hashlib.sha256).digest()

    def _sign(self, data: Any, purpose: str, actor: str) -> str:
        text = json.dumps([data, purpose, actor], sort_keys=True, separators=(",", ":"))
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def seal(self, view: dict[str, Any], actor: str) -> dict[str, Any]:
        """The view with its metadata sealed for `actor` and its callback id."""
        data = json.loads(view.get("private_metadata") or "{}")
        sealed = {"d": data, "a": actor, "s": self._sign(data, view["callback_id"], actor)}
        return {**view, "private_metadata": json.dumps(sealed, separators=(",", ":"))}

    def open(self, view: dict[str, Any], actor: str) -> dict[str, Any]:
        """The metadata of a submitted view, if it was sealed for this form and this person."""
        try:
            sealed = json.loads(view.get("private_metadata") or "")
            data, owner, signature = sealed["d"], sealed["a"], sealed["s"]
        except (ValueError, TypeError, KeyError):
            raise NotAllowed(STALE) from None
        expected = self._sign(data, str(view.get("callback_id") or ""), str(owner))
        if not isinstance(signature, str) or not hmac.compare_digest(signature, expected):
            raise NotAllowed(STALE)
        if owner != actor:
            raise NotAllowed("This form was opened for someone else.")
        return data if isinstance(data, dict) else {}


def unsealed(view: dict[str, Any]) -> dict[str, Any]:
    """What the metadata says, unchecked (to route the request before its ack; `Sealer.open` checks)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    if isinstance(meta, dict) and isinstance(meta.get("d"), dict):
        return meta["d"]
    return meta if isinstance(meta, dict) else {}
