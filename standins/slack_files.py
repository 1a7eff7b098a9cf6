"""Slack stand-in: files users uploaded (e.g. a CSV through a modal's file_input), served at their
private URLs the way Slack serves url_private(_download)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from standins.slack_core import SlackCore


class FilesMixin(SlackCore):
    """add_file() seeds a file; GET /files-pri/<team>-<id>/<name> serves it to a valid bearer token."""

    def file_routes(self, app: web.Application) -> None:
        app.router.add_get("/files-pri/{team_file}/{name}", self._file)

    def add_file(self, user: str, name: str, content: bytes, filetype: str = "csv") -> dict[str, Any]:
        """A file the user uploaded (e.g. through a modal's file_input), as Slack's file object.
        Its content is served at url_private(_download) to requests with a valid bearer token."""
        file_id = self._new_id("F")
        url = f"{self.url.removesuffix('/api/')}/files-pri/{self.team_id}-{file_id}/{name}"
        now = int(time.time())
        obj = {
            "id": file_id, "created": now, "timestamp": now, "name": name, "title": name,
            "mimetype": "text/csv" if filetype == "csv" else "application/octet-stream",
            "filetype": filetype, "pretty_type": filetype.upper(), "user": user, "user_team": self.team_id,
            "editable": False, "size": len(content), "mode": "hosted", "is_external": False,
            "external_type": "", "is_public": False, "public_url_shared": False, "display_as_bot": False,
            "username": "", "url_private": url, "url_private_download": f"{url}?dl=1", "permalink": f"https://{self.domain}.slack.com/files/{user}/{file_id}/{name}",
            "comments_count": 0, "is_starred": False, "shares": {}, "channels": [], "groups": [], "ims": [],
        }  # fmt: skip
        self.files[file_id] = (obj, content)
        return obj

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """Private file URLs need `Authorization: Bearer <token>`; without one Slack answers with its
        sign-in page (HTML, 200), not an error."""
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        found = self.files.get(request.match_info["team_file"].partition("-")[2])
        if token not in self.tokens or token in self.revoked_tokens or not self.file_scope:
            return web.Response(
                text="<!DOCTYPE html><html><title>Slack</title>Sign in</html>", content_type="text/html"
            )
        if found is None or found[0]["name"] != request.match_info["name"]:
            return web.Response(status=404, text="file_not_found")
        obj, content = found
        return web.Response(body=content, content_type=obj["mimetype"])
