"""Sign-in: sessions with CSRF, API tokens, and the same 401 for every wrong credential."""

from __future__ import annotations

import time

import asyncpg

from helpdesk_common.db import libpq_url
from services.gateway.tests.conftest import PASSWORD, Gateway


async def test_a_password_sign_in_opens_a_session_cookie_with_csrf(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada", "tickets_enabled")
    response = await gateway_app.client.post(
        "/api/auth/login", json={"username": "ADA", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["operator"]["username"] == "ada"
    assert body["csrf_token"]
    session_cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("helpdesk_session=")
    )
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    csrf_cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("helpdesk_csrf="))
    assert "HttpOnly" not in csrf_cookie and "SameSite=strict" in csrf_cookie
    me = await gateway_app.client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["effective_flags"] == ["tickets_enabled"]


async def test_a_wrong_user_a_wrong_password_and_a_disabled_account_answer_the_same_401(
    gateway_app: Gateway,
) -> None:
    await gateway_app.operator("ada")
    await gateway_app.operator("bob", active=False)
    answers = []
    for username, password in (("nobody", PASSWORD), ("ada", "wrong password"), ("bob", PASSWORD)):
        response = await gateway_app.client.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 401
        answers.append(response.json())
    assert answers[0] == answers[1] == answers[2]
    assert "set-cookie" not in response.headers


async def test_repeated_failures_slow_down_then_lock_the_account_even_for_the_right_password(
    gateway_app: Gateway,
) -> None:
    await gateway_app.operator("ada")
    # Steps well above the noise of an argon2 check on a busy machine.
    gateway_app.runtime.settings.throttle_delay_step_seconds = 0.25  # type: ignore[attr-defined]
    gateway_app.runtime.settings.throttle_delay_max_seconds = 2.0  # type: ignore[attr-defined]
    durations = []
    for _ in range(4):
        started = time.monotonic()
        response = await gateway_app.client.post(
            "/api/auth/login", json={"username": "ada", "password": "guess"}
        )
        durations.append(time.monotonic() - started)
        assert response.status_code == 401
    assert durations[3] > durations[0] + 0.5, f"no slow-down: {durations}"
    await gateway_app.client.post("/api/auth/login", json={"username": "ada", "password": "guess"})

    locked = await gateway_app.client.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.json()["type"] == "urn:helpdesk:problem:too-many-attempts"


async def test_an_unknown_account_locks_exactly_like_a_known_one(gateway_app: Gateway) -> None:
    for _ in range(5):
        await gateway_app.client.post("/api/auth/login", json={"username": "ghost", "password": "guess"})
    locked = await gateway_app.client.post("/api/auth/login", json={"username": "ghost", "password": "guess"})
    assert locked.status_code == 429


async def test_failures_from_one_address_lock_that_address_across_accounts(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    for attempt in range(20):
        await gateway_app.client.post("/api/auth/login", json={"username": f"user{attempt}", "password": "x"})
    locked = await gateway_app.client.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert locked.status_code == 429


async def test_cookie_writes_need_this_sessions_csrf_token_and_nothing_changes_without_it(
    gateway_app: Gateway,
) -> None:
    await gateway_app.operator("ada")
    await gateway_app.operator("bob")
    ada, ada_csrf = await gateway_app.signed_in("ada")
    _, bob_csrf = await gateway_app.signed_in("bob")

    missing = await ada.post("/api/auth/tokens", json={"name": "ci"})
    assert missing.status_code == 403 and missing.json()["reason"] == "csrf"
    forged = await ada.post("/api/auth/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": "made-up"})
    assert forged.status_code == 403
    replayed = await ada.post("/api/auth/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": bob_csrf})
    assert replayed.status_code == 403, "another session's CSRF token must not work"
    assert (await ada.get("/api/auth/tokens")).json() == [], "a refused write changed nothing"

    accepted = await ada.post("/api/auth/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": ada_csrf})
    assert accepted.status_code == 201

    old_cookies = dict(ada.cookies)
    assert (await ada.post("/api/auth/logout", headers={"X-CSRF-Token": ada_csrf})).status_code == 204
    replay = gateway_app.new_client()
    replay.cookies.update(old_cookies)
    after_logout = await replay.post(
        "/api/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": ada_csrf}
    )
    assert after_logout.status_code == 401, "a session and its CSRF token end with logout"


async def test_api_tokens_are_shown_once_stored_hashed_listed_with_last_use_and_revocable(
    gateway_app: Gateway,
) -> None:
    await gateway_app.operator("ada", "tickets_enabled")
    client, csrf = await gateway_app.signed_in("ada")
    created = await client.post(
        "/api/auth/tokens",
        json={"name": "nightly import", "expires_in_days": 30},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("hd_") and created.json()["prefix"] == token[:10]

    bearer = {"Authorization": f"Bearer {token}"}
    fresh = gateway_app.new_client()
    me = await fresh.get("/api/auth/me", headers=bearer)
    assert me.status_code == 200 and me.json()["username"] == "ada"
    # A token is no cookie: it needs no CSRF token for writes.
    assert (await fresh.post("/api/auth/tokens", json={"name": "second"}, headers=bearer)).status_code == 201

    listed = (await client.get("/api/auth/tokens")).json()
    assert {t["name"] for t in listed} == {"nightly import", "second"}
    assert all("token" not in t for t in listed), "a token is shown only when it is created"
    nightly = next(t for t in listed if t["name"] == "nightly import")
    assert nightly["last_used_at"] is not None

    connection = await asyncpg.connect(libpq_url(gateway_app.database.url))
    try:
        stored = await connection.fetch("SELECT token_hash FROM identity.api_tokens")
    finally:
        await connection.close()
    assert all(token not in row["token_hash"] for row in stored)

    revoked = await client.delete(f"/api/auth/tokens/{nightly['id']}", headers={"X-CSRF-Token": csrf})
    assert revoked.status_code == 204
    assert (await fresh.get("/api/auth/me", headers=bearer)).status_code == 401


async def test_an_expired_or_made_up_token_is_refused(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    bearer = await gateway_app.bearer("ada")
    connection = await asyncpg.connect(libpq_url(gateway_app.database.url))
    try:
        await connection.execute("UPDATE identity.api_tokens SET expires_at = now() - interval '1 second'")
    finally:
        await connection.close()
    gateway_app.runtime.settings.auth_cache_seconds = 0  # type: ignore[attr-defined]
    fresh = gateway_app.new_client()
    assert (await fresh.get("/api/auth/me", headers=bearer)).status_code == 401
    assert (await fresh.get("/api/auth/me", headers={"Authorization": "Bearer hd_madeup"})).status_code == 401
    assert (await fresh.get("/api/auth/me", headers={"Authorization": "Basic YWRhOnB3"})).status_code == 401
    assert (await fresh.get("/api/auth/me")).status_code == 401


async def test_sign_in_input_is_validated(gateway_app: Gateway) -> None:
    client = gateway_app.client
    assert (
        await client.post("/api/auth/login", content=b"{nope", headers={"content-type": "application/json"})
    ).status_code == 422
    unknown = await client.post("/api/auth/login", json={"username": "a", "password": "b", "remember": True})
    assert unknown.status_code == 422
    huge = await client.post("/api/auth/login", json={"username": "a", "password": "x" * 2_000_000})
    assert huge.status_code == 413
