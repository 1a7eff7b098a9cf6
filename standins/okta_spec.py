"""Checks each request the Okta stand-in receives against okta-offboarding-slice.yaml (openapi-core).

openapi-core catches unknown paths, wrong methods and badly typed parameters. It casts booleans
leniently ("yes" -> true) and ignores undeclared query parameters, so both are checked here too.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from multidict import CIMultiDict, MultiDict

SPEC_NAME = "okta/okta-offboarding-slice.yaml"


def default_spec_path() -> Path:
    """$OKTA_SPEC_PATH, else the copy shipped in standins/specs (Okta's spec, cut to what the bot uses)."""
    if os.environ.get("OKTA_SPEC_PATH"):
        return Path(os.environ["OKTA_SPEC_PATH"])
    return Path(__file__).resolve().parent / "specs" / SPEC_NAME


class _SpecRequest:
    """openapi-core's Request protocol over an aiohttp request.

    `host_url` reports https and the request's host so the spec's `https://{yourOktaDomain}`
    server matches a loopback stand-in.
    """

    def __init__(self, request: web.Request, body: bytes | None) -> None:
        from openapi_core.datatypes import RequestParameters

        self._request = request
        self._body = body or None
        self.parameters = RequestParameters(
            query=MultiDict(request.query),
            header=CIMultiDict(request.headers),
            cookie=MultiDict(request.cookies),
        )

    @property
    def host_url(self) -> str:
        return f"https://{self._request.host}"

    @property
    def path(self) -> str:
        return self._request.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._body

    @property
    def content_type(self) -> str:
        return self._request.content_type if self._body else ""


class SpecChecker:
    """One per spec file (cached): `check(request, body)` returns the list of violations."""

    def __init__(self, path: Path) -> None:
        from openapi_core import OpenAPI

        self.openapi = OpenAPI.from_file_path(str(path))
        with open(path, encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        shared = raw.get("components", {}).get("parameters", {})
        # (regex, method) -> {query param name: schema type}
        self.query_params: list[tuple[re.Pattern[str], str, dict[str, str]]] = []
        for template, item in raw["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            common = [self._deref(p, shared) for p in item.get("parameters", [])]
            for method, op in item.items():
                if method == "parameters" or not isinstance(op, dict):
                    continue
                params = common + [self._deref(p, shared) for p in op.get("parameters", [])]
                declared = {
                    p["name"]: p.get("schema", {}).get("type", "") for p in params if p["in"] == "query"
                }
                self.query_params.append((pattern, method.upper(), declared))

    @staticmethod
    def _deref(param: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in param:
            return shared[param["$ref"].rsplit("/", 1)[-1]]
        return param

    def check(self, request: web.Request, body: bytes | None) -> list[str]:
        with warnings.catch_warnings():  # "Unsupported scheme type" for the oauth2 alternative
            warnings.simplefilter("ignore")
            result = self.openapi.unmarshal_request(_SpecRequest(request, body))
        problems = [_describe(e) for e in result.errors]
        if problems:
            return problems
        for pattern, method, declared in self.query_params:
            if method == request.method and pattern.match(request.path):
                for name, value in request.query.items():
                    if name not in declared:
                        problems.append(f"undeclared query parameter {name!r}")
                    elif declared[name] == "boolean" and value not in ("true", "false"):
                        problems.append(f"query parameter {name}={value!r} is not true/false")
        return problems


def _describe(error: Exception) -> str:
    causes = [str(c) for c in getattr(error, "schema_errors", ()) or ()]
    cause = error.__cause__
    while cause is not None:
        causes.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__
    text = f"{type(error).__name__}: {error}"
    return text + (f" ({'; '.join(causes)})" if causes else "")


@functools.lru_cache(maxsize=4)
def spec_checker(path: Path | None = None) -> SpecChecker:
    return SpecChecker(path or default_spec_path())
