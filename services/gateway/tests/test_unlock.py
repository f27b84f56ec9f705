"""An administrator clears sign-in locks: POST /api/auth/unlock, behind operators_manage."""

from __future__ import annotations

from services.gateway.tests.conftest import PASSWORD, Gateway
from services.gateway.tests.test_signin import login, throttle


async def lock_out(gateway: Gateway, username: str, address: str) -> None:
    throttle(gateway, throttle_pair_failures=2)
    client = gateway.client_from(address)
    for _ in range(2):
        await login(client, username, "guess")
    assert (await login(client, username, PASSWORD)).status_code == 429


async def test_an_administrator_unlocks_an_operator_who_then_signs_in_at_once(gateway_app: Gateway) -> None:
    await gateway_app.administrator()
    await gateway_app.operator("ada")
    admin = gateway_app.new_client()
    admin.headers.update(await gateway_app.bearer("admin"))
    await lock_out(gateway_app, "ada", "10.0.0.1")

    unlocked = await admin.post("/api/auth/unlock", json={"username": "ADA"})
    assert unlocked.status_code == 200, unlocked.text
    cleared = {(entry["scope"], entry["username"], entry["address"]) for entry in unlocked.json()["cleared"]}
    assert cleared == {("pair", "ada", "10.0.0.1"), ("account", "ada", None)}
    assert (await login(gateway_app.client_from("10.0.0.1"), "ada", PASSWORD)).status_code == 200


async def test_an_administrator_unlocks_an_address_for_every_username(gateway_app: Gateway) -> None:
    await gateway_app.administrator()
    await gateway_app.operator("ada")
    admin = gateway_app.new_client()
    admin.headers.update(await gateway_app.bearer("admin"))
    throttle(gateway_app, throttle_address_failures=2)
    office = "2001:db8:0:7::15"
    for attempt in range(2):
        await login(gateway_app.client_from(office), f"ghost{attempt}", "guess")
    assert (await login(gateway_app.client_from(office), "ada", PASSWORD)).status_code == 429

    # Another address of the same /64 names the same lock.
    unlocked = await admin.post("/api/auth/unlock", json={"address": "2001:db8:0:7::1"})
    assert unlocked.status_code == 200
    assert {entry["scope"] for entry in unlocked.json()["cleared"]} == {"pair", "address"}
    assert (await login(gateway_app.client_from(office), "ada", PASSWORD)).status_code == 200


async def test_unlocking_needs_operators_manage(gateway_app: Gateway) -> None:
    await gateway_app.operator("clerk", "tickets_enabled")
    refused = await gateway_app.new_client().post(
        "/api/auth/unlock", json={"username": "ada"}, headers=await gateway_app.bearer("clerk")
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "operators_manage"
    anonymous = await gateway_app.new_client().post("/api/auth/unlock", json={"username": "ada"})
    assert anonymous.status_code == 401


async def test_unlocking_answers_a_problem_naming_the_field_for_bad_input(gateway_app: Gateway) -> None:
    await gateway_app.administrator()
    admin = gateway_app.new_client()
    admin.headers.update(await gateway_app.bearer("admin"))
    for body, field in (
        ({}, "username"),
        ({"address": "not-an-address"}, "address"),
        ({"username": ""}, "username"),
        ({"username": "ada", "remember": True}, "remember"),
        ({"username": 7}, "username"),
    ):
        answer = await admin.post("/api/auth/unlock", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in answer.json()["errors"]] == [field], answer.json()


async def test_unlocking_is_described_in_the_api_document_with_its_answers(gateway_app: Gateway) -> None:
    document = (await gateway_app.client.get("/openapi.json")).json()
    operation = document["paths"]["/api/auth/unlock"]["post"]
    assert set(operation["responses"]) >= {"200", "401", "403", "422"}
    for status in ("401", "403", "422"):
        assert operation["responses"][status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    unlocked = document["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]
    cleared = document["components"]["schemas"][
        unlocked["properties"]["cleared"]["items"]["$ref"].rsplit("/", 1)[1]
    ]
    assert set(cleared["properties"]) == {"scope", "username", "address", "failures", "locked_until"}
    body = document["components"]["schemas"][
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    ]
    assert set(body["properties"]) == {"username", "address"}
