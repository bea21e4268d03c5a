"""A small JSON client for API tests: ``api_as(world, "worker_a").get("/registry/residents")``."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client


@dataclass
class Answer:
    status: int
    data: Any

    def __repr__(self) -> str:
        return f"<{self.status} {json.dumps(self.data, ensure_ascii=False)[:400]}>"


class ApiClient:
    """Calls /api/... as a logged-in user (session; CSRF not enforced) or with a bearer token."""

    def __init__(self, user=None, token: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            self.client.force_login(user)
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Answer:
        url = "/api" + path
        fn = getattr(self.client, method.lower())
        if method.upper() == "GET":
            response = fn(url, {k: v for k, v in params.items() if v is not None}, headers=self.headers)
        else:
            response = fn(url, data=json.dumps(body if body is not None else {}), content_type="application/json",
                          headers=self.headers)
        try:
            data = response.json()
        except ValueError:
            data = response.content.decode()
        return Answer(response.status_code, data)

    def get(self, path: str, **params: Any) -> Answer:
        return self.call("GET", path, **params)

    def post(self, path: str, body: Any = None) -> Answer:
        return self.call("POST", path, body)

    def patch(self, path: str, body: Any = None) -> Answer:
        return self.call("PATCH", path, body)

    def put(self, path: str, body: Any = None) -> Answer:
        return self.call("PUT", path, body)

    def delete(self, path: str, **params: Any) -> Answer:
        from urllib.parse import urlencode

        response = self.client.delete("/api" + path + ("?" + urlencode(params) if params else ""), headers=self.headers)
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = response.content.decode()
        return Answer(response.status_code, data)


def api_as(world, username: str | None) -> ApiClient:
    return ApiClient(world.users[username] if username else None)
