"""No error answer of the API echoes a password (for `helpdesk admin create`, see test_admin_cli.py)."""

from __future__ import annotations

from services.gateway.tests.conftest import Gateway

# Distinctive, so that any echo of it, quoted or not, shows.
SHORT = "Zq9-short"
LONG = "Zq9-" + "x" * 1100


async def test_operator_create_update_and_sign_in_refuse_a_bad_password_without_echoing_it(
    gateway_app: Gateway,
) -> None:
    await gateway_app.administrator()
    admin = gateway_app.new_client()
    admin.headers.update(await gateway_app.bearer("admin"))
    new = {"username": "grace", "email": "grace@example.com", "display_name": "Grace"}
    created = await admin.post("/api/operators", json={**new, "password": "a long enough password"})
    grace = created.json()["id"]
    for password in (SHORT, LONG, ["Zq9-in-a-list"]):
        for answer in (
            await admin.post("/api/operators", json={**new, "username": "hopper", "password": password}),
            await admin.patch(f"/api/operators/{grace}", json={"password": password}),
        ):
            assert answer.status_code == 422
            assert [error["field"] for error in answer.json()["errors"]] == ["password"]
            assert "Zq9" not in answer.text, answer.text
    for password in (LONG, ["Zq9-in-a-list"]):
        answer = await gateway_app.new_client().post(
            "/api/auth/login", json={"username": "grace", "password": password}
        )
        assert answer.status_code == 422 and "Zq9" not in answer.text, answer.text
