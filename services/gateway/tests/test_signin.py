"""Sign-in: sessions with CSRF, API tokens, the same answer for every wrong credential, and throttling
that slows guessing without locking out the operators whose clients the account knows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import asyncpg
import httpx

from gateway.config import GatewaySettings
from gateway.identity.signin.clients import DEVICES_PER_OPERATOR
from helpdesk_common.db import libpq_url
from services.gateway.tests.conftest import PASSWORD, Gateway
from tests.backbone.harness import eventually


def throttle(gateway: Gateway, **values: Any) -> None:
    """Throttle settings for one test: limits shrunk to keep it short, locks that outlast it unless
    it says otherwise (the fixture's delays are near zero, for the tests that do not look at them)."""
    settings = gateway.runtime.settings
    assert isinstance(settings, GatewaySettings)
    lasting = {"throttle_first_delay_seconds": 600.0, "throttle_longest_delay_seconds": 900.0}
    for name, value in {**lasting, **values}.items():
        assert name in GatewaySettings.model_fields, name
        setattr(settings, name, value)


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def admin_sql(gateway: Gateway, statement: str) -> object:
    connection = await asyncpg.connect(libpq_url(gateway.database.url))
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


async def not_refused(answer: Awaitable[httpx.Response]) -> bool:
    return (await answer).status_code != 429


async def signs_in(answer: Awaitable[httpx.Response]) -> bool:
    return (await answer).status_code == 200


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


async def test_failures_on_a_username_from_an_address_lock_that_pair_for_delays_that_double(
    gateway_app: Gateway,
) -> None:
    await gateway_app.operator("ada")
    throttle(gateway_app, throttle_first_delay_seconds=2.0)
    client = gateway_app.client_from("10.0.0.1")
    for _ in range(5):
        assert (await login(client, "ada", "guess")).status_code == 401

    locked = await login(client, "ada", PASSWORD)
    assert locked.status_code == 429, "the lock holds even for the right password"
    assert locked.json()["type"] == "urn:helpdesk:problem:too-many-attempts"
    assert 1 <= int(locked.headers["Retry-After"]) <= 2

    # The first wrong password after the lock ends is counted, and locks for twice as long (4 s; the
    # answer comes at most a busy second or so later).
    await eventually(
        lambda: not_refused(login(client, "ada", "guess")), within=15, what="the first delay to end"
    )
    relocked = await login(client, "ada", PASSWORD)
    assert relocked.status_code == 429 and int(relocked.headers["Retry-After"]) >= 3
    await eventually(
        lambda: signs_in(login(client, "ada", PASSWORD)), within=15, what="the second delay to end"
    )


async def test_a_pair_lock_leaves_the_same_account_free_from_another_address(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    throttle(gateway_app, throttle_pair_failures=3)
    attacker = gateway_app.client_from("203.0.113.9")
    for _ in range(3):
        await login(attacker, "ada", "guess")
    assert (await login(attacker, "ada", PASSWORD)).status_code == 429

    assert (await login(gateway_app.client_from("10.0.0.2"), "ada", PASSWORD)).status_code == 200


async def test_an_account_attacked_from_many_addresses_still_lets_in_its_known_device_and_address(
    gateway_app: Gateway,
) -> None:
    await gateway_app.administrator()
    throttle(gateway_app, throttle_account_failures=4)
    browser = gateway_app.client_from("10.1.0.1")
    assert (await login(browser, "admin", PASSWORD)).status_code == 200
    assert (await login(gateway_app.client_from("10.1.0.2"), "admin", PASSWORD)).status_code == 200

    for attacker in range(4):  # a botnet: one guess per address, no pair ever locks
        guess = await login(gateway_app.client_from(f"203.0.113.{attacker}"), "admin", "guess")
        assert guess.status_code == 401
    stranger = await login(gateway_app.client_from("198.51.100.7"), "admin", PASSWORD)
    assert stranger.status_code == 429, "the account is locked against clients it does not know"

    travelling = gateway_app.client_from("192.0.2.50")  # the same browser, somewhere new
    travelling.cookies = browser.cookies
    assert (await login(travelling, "admin", PASSWORD)).status_code == 200, "a known device gets in"
    script = gateway_app.client_from("10.1.0.2")  # keeps no cookie, signed in from here before
    assert (await login(script, "admin", PASSWORD)).status_code == 200, "a known address gets in"
    # ...for the right password only: a wrong one there is answered as strangers are.
    assert (await login(gateway_app.client_from("10.1.0.2"), "admin", "guess")).status_code == 429


async def test_unknown_usernames_lock_their_address_for_strangers_only(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    await gateway_app.operator("bob")
    throttle(gateway_app, throttle_address_failures=4)
    office = "10.2.0.1"
    assert (await login(gateway_app.client_from(office), "bob", PASSWORD)).status_code == 200
    laptop = gateway_app.client_from("10.9.9.9")
    assert (await login(laptop, "ada", PASSWORD)).status_code == 200

    for attempt in range(4):
        sprayed = await login(gateway_app.client_from(office), f"ghost{attempt}", "guess")
        assert sprayed.status_code == 401
    assert (await login(gateway_app.client_from(office), "ghost-next", "guess")).status_code == 429
    assert (await login(gateway_app.client_from(office), "ada", PASSWORD)).status_code == 429

    ada_at_the_office = gateway_app.client_from(office)
    ada_at_the_office.cookies = laptop.cookies
    assert (await login(ada_at_the_office, "ada", PASSWORD)).status_code == 200, "her device gets in"
    assert (await login(gateway_app.client_from(office), "bob", PASSWORD)).status_code == 200, (
        "so does an operator who signed in from this address before"
    )


async def test_failures_on_known_usernames_do_not_lock_their_address(gateway_app: Gateway) -> None:
    names = ["ada", "bob", "cyd"]
    for name in [*names, "carol"]:
        await gateway_app.operator(name)
    throttle(gateway_app, throttle_pair_failures=2, throttle_address_failures=4)
    office = gateway_app.client_from("10.3.0.1")
    for name in names:  # six failures in all, each pair to its limit
        for _ in range(2):
            assert (await login(office, name, "typo")).status_code == 401
    assert (await login(office, "carol", PASSWORD)).status_code == 200


async def test_an_unknown_username_is_answered_exactly_like_a_known_one_before_and_under_its_lock(
    gateway_app: Gateway,
) -> None:
    await gateway_app.operator("ada")
    throttle(gateway_app, throttle_pair_failures=3)
    answers: dict[str, list[tuple[int, str, str | None]]] = {}
    for username in ("ada", "ghost"):
        client = gateway_app.client_from("10.4.0.1")
        responses = [await login(client, username, "guess") for _ in range(4)]
        answers[username] = [
            (r.status_code, r.json()["detail"], r.headers.get("Retry-After")) for r in responses
        ]
    assert [status for status, _, _ in answers["ada"]] == [401] * 3 + [429]
    assert answers["ada"] == answers["ghost"]


async def test_an_unknown_username_takes_as_long_as_a_wrong_password(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    throttle(
        gateway_app, throttle_pair_failures=100, throttle_account_failures=100, throttle_address_failures=100
    )
    client = gateway_app.client_from("10.5.0.1")
    durations: dict[str, list[float]] = {"ada": [], "ghost": []}
    # Interleaved, and the fastest of each compared: a busy machine only adds; fifteen rounds, since
    # CI once caught seven where another run held both cores throughout.
    for _ in range(15):
        for username in durations:
            started = time.monotonic()
            assert (await login(client, username, "guess")).status_code == 401
            durations[username].append(time.monotonic() - started)
    known, unknown = min(durations["ada"]), min(durations["ghost"])
    assert 0.67 < unknown / known < 1.5, f"known {known:.3f}s, unknown {unknown:.3f}s"


async def test_parallel_guesses_on_one_pair_cannot_outrun_its_count(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    throttle(gateway_app)
    answers = await asyncio.gather(
        *(login(gateway_app.client_from("10.6.0.1"), "ada", "guess") for _ in range(20))
    )
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {401, 429} and statuses.count(401) <= 5, statuses


async def test_a_device_cookie_is_sent_to_sign_in_only_and_renewed_each_time(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    client = gateway_app.client_from("10.7.0.1")
    first = await login(client, "ada", PASSWORD)
    device = next(h for h in first.headers.get_list("set-cookie") if h.startswith("helpdesk_device="))
    assert "HttpOnly" in device and "SameSite=strict" in device and "Path=/api/auth/login" in device
    second = await login(client, "ada", PASSWORD)
    renewed = next(h for h in second.headers.get_list("set-cookie") if h.startswith("helpdesk_device="))
    assert renewed.split(";")[0] != device.split(";")[0]


async def test_no_delay_is_longer_than_the_longest_however_many_failures_came_before(
    gateway_app: Gateway,
) -> None:
    await gateway_app.operator("ada")
    throttle(gateway_app, throttle_longest_delay_seconds=30.0)
    client = gateway_app.client_from("10.8.0.1")
    assert (await login(client, "ada", "guess")).status_code == 401
    await admin_sql(
        gateway_app, "UPDATE identity.sign_in_throttles SET failures = 100000, locked_until = NULL"
    )
    assert (await login(client, "ada", "guess")).status_code == 401
    locked = await login(client, "ada", PASSWORD)
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 30


async def test_clients_that_keep_no_cookie_leave_a_bounded_number_of_devices(gateway_app: Gateway) -> None:
    await gateway_app.operator("ada")
    for _ in range(DEVICES_PER_OPERATOR + 2):
        assert (await login(gateway_app.client_from("10.8.0.2"), "ada", PASSWORD)).status_code == 200
    devices = await admin_sql(gateway_app, "SELECT count(*) FROM identity.sign_in_devices")
    assert devices == DEVICES_PER_OPERATOR


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
