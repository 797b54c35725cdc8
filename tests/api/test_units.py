"""Unit tests of the API's pure parts: delta splitting, the rate limiter and API keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import REQUEST_ID_HEADER, RequestContextMiddleware
from api.conversation import split_deltas
from api.errors import install_error_handlers
from api.rate_limit import TokenBucketLimiter
from assistant.errors import InputError
from assistant.keys import KeyRole, KeyStore


@pytest.mark.parametrize(
    "text",
    [
        "Open **Settings** and click Save.\n\n1. Step",
        "打开设置页面，点击保存按钮即可完成配置。",
        "",
    ],
    ids=["english", "chinese", "empty"],
)
def test_split_deltas_joins_back(text: str) -> None:
    pieces = list(split_deltas(text, max_chars=5))

    assert "".join(pieces) == text
    assert all(0 < len(piece) <= 5 for piece in pieces)


def test_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(rate_per_second=2.0, burst=2, clock=lambda: now[0])

    first, second, third = (limiter.acquire("k") for _ in range(3))
    now[0] = 0.5
    after_refill = limiter.acquire("k")

    assert (first, second) == (0.0, 0.0)
    assert third == pytest.approx(0.5)
    assert after_refill == 0.0
    assert limiter.acquire("other") == 0.0


def test_key_store_authenticates_until_revoked(tmp_path: Path) -> None:
    store = KeyStore(f"sqlite:///{tmp_path / 'keys.db'}")
    record, secret = store.create("acme", KeyRole.AGENT, "alice")

    authenticated = store.authenticate(secret)
    tampered = store.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    store.revoke(record.id)
    after_revoke = store.authenticate(secret)
    listed = store.list(tenant="acme")
    store.close()

    assert secret.startswith("sk-")
    assert authenticated == record
    assert tampered is None
    assert after_revoke is None
    assert listed[0].revoked_at is not None


def test_key_store_rejects_bad_tenant(tmp_path: Path) -> None:
    store = KeyStore(f"sqlite:///{tmp_path / 'keys.db'}")

    with pytest.raises(InputError):
        store.create("Bad.Tenant", KeyRole.WIDGET)
    store.close()


def test_unexpected_error_names_request_id() -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"Accept-Language": "zh-CN"})

    request_id = response.headers[REQUEST_ID_HEADER]
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert request_id in response.json()["error"]["message"]
