"""The mailbox settings API (issue 16, part 1): the gate and the flag, departments ticketing has told
us of, secrets sealed and never returned, a 422 naming each wrong field, the health the poller
writes, and `Endpoint`s built from the stored row."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from cryptography.fernet import Fernet

from helpdesk_common.secrets import SecretBox, SecretUnreadable
from mail_gateway.config import MailGatewaySettings
from mail_gateway.mailboxes.endpoints import imap_endpoint, smtp_endpoint

SECRETS = {
    "imap_password": "imap pass word ",
    "smtp_password": "smtp-Pa55!",
    "oauth_client_secret": "client-secret-value",
    "oauth_refresh_token": "refresh-token-value",
}


def _settings(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "imap_host": "imap.example.com",
        "imap_port": 993,
        "imap_tls": "implicit",
        "imap_username": "support@example.com",
        "imap_password": SECRETS["imap_password"],
        "imap_folder": "INBOX",
        "smtp_host": "smtp.example.com",
        "smtp_port": 587,
        "smtp_tls": "starttls",
        "smtp_username": "support@example.com",
        "smtp_password": SECRETS["smtp_password"],
        "from_address": "support@example.com",
        "from_name": "ACME Support",
        "auto_reply_enabled": True,
        "auto_reply_subject": "Re: {{subject}} [{{ ticket_number }}]",
        "auto_reply_body_html": "<p>We got it: {{ticket_number}}</p>",
        "follow_up_enabled": True,
        "follow_up_after_days": 5,
        "follow_up_subject": "Still there? {{ticket_number}}",
        "follow_up_body_html": "<p>Any news about {{subject}}?</p>",
    }
    body.update(changes)
    return body


def _path(department_id: uuid.UUID, action: str = "") -> str:
    return f"/departments/{department_id}/mailbox{action}"


def _no_secret_in(text: str) -> None:
    for secret in SECRETS.values():
        assert secret.strip() not in text


async def _put(mail: Any, department_id: uuid.UUID, body: dict[str, Any], status: int = 200) -> Any:
    response = await mail.client.put(_path(department_id), json=body, headers=mail.manager())
    assert response.status_code == status, response.text
    _no_secret_in(response.text)
    return response.json()


ENDPOINTS = [
    ("GET", ""),
    ("PUT", ""),
    ("DELETE", ""),
    ("GET", "/health"),
    ("POST", "/test-imap"),
    ("POST", "/test-smtp"),
]


async def test_every_endpoint_needs_the_module_and_tickets_manage_departments(mail: Any) -> None:
    department_id = await mail.department_known()
    for method, action in ENDPOINTS:
        body = _settings() if method == "PUT" else None
        refused = await mail.client.request(
            method, _path(department_id, action), json=body, headers=mail.manager("tickets_enabled")
        )
        assert refused.status_code == 403, (method, action, refused.text)
        assert refused.json()["flag"] == "tickets_manage_departments"
        anonymous = await mail.client.request(method, _path(department_id, action), json=body)
        assert anonymous.status_code == 401, (method, action)
    await mail.switch_module(False)
    for method, action in ENDPOINTS:
        body = _settings() if method == "PUT" else None
        off = await mail.client.request(
            method, _path(department_id, action), json=body, headers=mail.manager()
        )
        assert off.status_code == 403 and off.json()["reason"] == "module_disabled", (method, action)


async def test_a_department_ticketing_has_not_announced_or_has_removed_is_404(mail: Any) -> None:
    removed = await mail.department_known()
    await _put(mail, removed, _settings())
    await mail.department_removed(removed)
    for department_id in (uuid.uuid4(), removed):
        for method, action in ENDPOINTS:
            body = _settings() if method == "PUT" else None
            response = await mail.client.request(
                method, _path(department_id, action), json=body, headers=mail.manager()
            )
            assert response.status_code == 404, (method, action, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    # The removal took the mailbox and its secrets with it.
    assert await mail.sql("SELECT 1 FROM mail.mailboxes WHERE department_id = $1", removed) == []


async def test_a_department_without_a_mailbox_reads_the_defaults(mail: Any) -> None:
    department_id = await mail.department_known()
    read = await mail.client.get(_path(department_id), headers=mail.manager())
    assert read.status_code == 200
    body = read.json()
    assert body["configured"] is False
    assert (body["imap_port"], body["imap_tls"], body["imap_folder"]) == (993, "implicit", "INBOX")
    assert (body["smtp_port"], body["smtp_tls"], body["auth_method"]) == (465, "implicit", "password")
    assert body["imap_password_set"] is False and body["oauth_refresh_token_set"] is False
    health = (await mail.client.get(_path(department_id, "/health"), headers=mail.manager())).json()
    assert health["configured"] is False and health["last_poll_at"] is None


async def test_secrets_are_sealed_in_the_table_and_never_returned(mail: Any) -> None:
    department_id = await mail.department_known()
    body = _settings(
        auth_method="oauth2",
        oauth_token_endpoint="https://login.example.com/token",
        oauth_client_id="client-id",
        oauth_client_secret=SECRETS["oauth_client_secret"],
        oauth_refresh_token=SECRETS["oauth_refresh_token"],
        oauth_scope="https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        oauth_mechanism="OAUTHBEARER",
    )
    saved = await _put(mail, department_id, body)
    assert saved["configured"] is True
    for name in SECRETS:
        assert saved[f"{name}_set"] is True
        assert name not in saved
    read = await mail.client.get(_path(department_id), headers=mail.manager())
    _no_secret_in(read.text)
    assert read.json() == saved
    health = await mail.client.get(_path(department_id, "/health"), headers=mail.manager())
    _no_secret_in(health.text)

    [row] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
    box = SecretBox(mail.secret_key)
    for name, plain in SECRETS.items():
        sealed = row[f"{name}_sealed"]
        assert plain.encode() not in sealed
        # Kept exactly as typed, spaces included.
        assert box.open(sealed) == plain
    with pytest.raises(SecretUnreadable):
        SecretBox(Fernet.generate_key().decode()).open(row["imap_password_sealed"])


async def test_a_put_that_leaves_a_secret_out_keeps_it_and_an_empty_or_null_one_clears_it(
    mail: Any,
) -> None:
    department_id = await mail.department_known()
    await _put(mail, department_id, _settings())
    [before] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)

    kept = _settings(from_name="Renamed")
    del kept["imap_password"], kept["smtp_password"]
    saved = await _put(mail, department_id, kept)
    assert saved["imap_password_set"] and saved["smtp_password_set"] and saved["from_name"] == "Renamed"
    [after] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
    assert after["imap_password_sealed"] == before["imap_password_sealed"]

    # Cleared: without a server, no password is required.
    cleared = _settings(imap_host="", imap_password="", smtp_host="", smtp_password=None)
    saved = await _put(mail, department_id, cleared)
    assert saved["imap_password_set"] is False and saved["smtp_password_set"] is False
    [row] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
    assert row["imap_password_sealed"] is None and row["smtp_password_sealed"] is None

    replaced = await _put(mail, department_id, _settings(imap_password="new one"))
    assert replaced["imap_password_set"] is True


async def test_tls_none_is_refused_unless_the_deployment_allows_plaintext(
    mail_app_with: Any,
) -> None:
    async with mail_app_with() as strict:
        await strict.switch_module(True)
        department_id = await strict.department_known()
        for field in ("imap_tls", "smtp_tls"):
            refused = await _put(strict, department_id, _settings(**{field: "none"}), status=422)
            assert [error["field"] for error in refused["errors"]] == [field]
            assert "HELPDESK_MAIL_ALLOW_PLAINTEXT" in refused["errors"][0]["message"]
        plain_token = _settings(
            auth_method="oauth2",
            oauth_token_endpoint="http://127.0.0.1:9/token",
            oauth_client_id="c",
            oauth_refresh_token="r",
        )
        refused = await _put(strict, department_id, plain_token, status=422)
        assert [error["field"] for error in refused["errors"]] == ["oauth_token_endpoint"]


async def test_tls_none_is_saved_where_plaintext_is_allowed(mail_app_with: Any) -> None:
    async with mail_app_with(mail_allow_plaintext=True) as relaxed:
        await relaxed.switch_module(True)
        department_id = await relaxed.department_known()
        saved = await _put(relaxed, department_id, _settings(imap_tls="none", smtp_tls="none"))
        assert (saved["imap_tls"], saved["smtp_tls"]) == ("none", "none")


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"imap_port": 0}, "imap_port"),
    ({"smtp_port": 65536}, "smtp_port"),
    ({"imap_port": "993"}, "imap_port"),
    ({"imap_host": "imap example.com"}, "imap_host"),
    ({"smtp_host": "smtp.example.com\x00"}, "smtp_host"),
    ({"smtp_host": "a" * 300}, "smtp_host"),
    ({"imap_tls": "ssl"}, "imap_tls"),
    ({"auth_method": "kerberos"}, "auth_method"),
    ({"oauth_mechanism": "PLAIN"}, "oauth_mechanism"),
    ({"from_address": "not an address"}, "from_address"),
    ({"from_address": "support@example.com\r\nBcc: x@example.com"}, "from_address"),
    ({"from_address": ""}, "from_address"),
    ({"from_name": "ACME\r\nBcc: victim@example.com"}, "from_name"),
    ({"imap_username": ""}, "imap_username"),
    ({"smtp_username": "x" * 400}, "smtp_username"),
    ({"imap_folder": ""}, "imap_folder"),
    ({"imap_password": None}, "imap_password"),
    ({"smtp_password": "line\nbreak"}, "smtp_password"),
    ({"imap_password": "p" * 9000}, "imap_password"),
    ({"follow_up_after_days": 0}, "follow_up_after_days"),
    ({"follow_up_after_days": 366}, "follow_up_after_days"),
    ({"follow_up_after_days": 2.5}, "follow_up_after_days"),
    ({"auto_reply_subject": "About {{customer_name}}"}, "auto_reply_subject"),
    ({"follow_up_body_html": "<p>{{ticket_id}}</p>"}, "follow_up_body_html"),
    ({"auto_reply_subject": ""}, "auto_reply_subject"),
    ({"auto_reply_body_html": "<script>alert(1)</script>"}, "auto_reply_body_html"),
    ({"follow_up_subject": "s" * 1000}, "follow_up_subject"),
    ({"auto_reply_body_html": "<p>" + "x" * (600 * 1024) + "</p>"}, "auto_reply_body_html"),
    ({"auto_reply_subject": "Hello\x00"}, "auto_reply_subject"),
    ({"surprise": True}, "surprise"),
    ({"enabled": "yes please"}, "enabled"),
]


@pytest.mark.parametrize(("change", "field"), REFUSED, ids=[field for _, field in REFUSED])
async def test_each_wrong_field_is_a_422_naming_it(mail: Any, change: dict[str, Any], field: str) -> None:
    department_id = await mail.department_known()
    refused = await _put(mail, department_id, _settings(**change), status=422)
    assert refused["type"] == "urn:helpdesk:problem:validation"
    assert field in [error["field"] for error in refused["errors"]], refused
    assert await mail.sql("SELECT 1 FROM mail.mailboxes WHERE department_id = $1", department_id) == []


async def test_a_refused_secret_is_not_repeated_in_the_problem(mail: Any) -> None:
    department_id = await mail.department_known()
    secret = "hunter2-very-secret"
    response = await mail.client.put(
        _path(department_id),
        json=_settings(imap_password=f"{secret}\r\n", imap_port=0),
        headers=mail.manager(),
    )
    assert response.status_code == 422
    assert secret not in response.text
    assert {"imap_password", "imap_port"} <= {error["field"] for error in response.json()["errors"]}


async def test_oauth2_needs_its_endpoint_client_and_refresh_token_but_no_passwords(mail: Any) -> None:
    department_id = await mail.department_known()
    oauth = _settings(auth_method="oauth2", imap_password=None, smtp_password=None)
    refused = await _put(mail, department_id, oauth, status=422)
    assert {error["field"] for error in refused["errors"]} == {
        "oauth_token_endpoint",
        "oauth_client_id",
        "oauth_refresh_token",
    }
    complete = {
        **oauth,
        "oauth_token_endpoint": "https://oauth2.googleapis.com/token",
        "oauth_client_id": "id",
        "oauth_refresh_token": "token",
    }
    saved = await _put(mail, department_id, complete)
    assert saved["auth_method"] == "oauth2" and saved["oauth_refresh_token_set"]
    assert saved["oauth_client_secret_set"] is False


async def test_a_body_too_large_for_any_request_is_a_413_problem(mail: Any) -> None:
    department_id = await mail.department_known()
    body = _settings(auto_reply_body_html="x" * (2 * 1024 * 1024))
    response = await mail.client.put(_path(department_id), json=body, headers=mail.manager())
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_bodies_are_sanitised_and_placeholders_stored_in_one_spelling(mail: Any) -> None:
    department_id = await mail.department_known()
    hostile = (
        '<p onclick="steal()">Hello {{ subject }}</p><script>alert(1)</script>'
        '<img src="https://tracker.example.com/p.gif" alt="logo"><style>p{}</style>'
    )
    saved = await _put(mail, department_id, _settings(auto_reply_body_html=hostile))
    stored = saved["auto_reply_body_html"]
    assert "script" not in stored and "onclick" not in stored and "tracker" not in stored
    assert "style" not in stored
    assert "Hello {{subject}}" in stored
    assert saved["auto_reply_subject"] == "Re: {{subject}} [{{ticket_number}}]"


async def test_deleting_the_mailbox_removes_its_settings_and_secrets(mail: Any) -> None:
    department_id = await mail.department_known()
    await _put(mail, department_id, _settings())
    deleted = await mail.client.delete(_path(department_id), headers=mail.manager())
    assert deleted.status_code == 204
    assert await mail.sql("SELECT 1 FROM mail.mailboxes WHERE department_id = $1", department_id) == []
    read = (await mail.client.get(_path(department_id), headers=mail.manager())).json()
    assert read["configured"] is False and read["imap_host"] == ""
    again = await mail.client.delete(_path(department_id), headers=mail.manager())
    assert again.status_code == 204


async def test_health_reads_what_the_poller_wrote(mail: Any) -> None:
    department_id = await mail.department_known()
    await _put(mail, department_id, _settings())
    await mail.sql(
        "UPDATE mail.mailboxes SET last_poll_at = now(), last_success_at = now() - interval '1 hour', "
        "last_error = 'NO [AUTHENTICATIONFAILED] Invalid credentials', last_error_at = now(), "
        "messages_waiting = 12, credentials_failing = true, lease_holder = 'poller-7', "
        "lease_expires_at = now() + interval '30 seconds' WHERE department_id = $1",
        department_id,
    )
    health = (await mail.client.get(_path(department_id, "/health"), headers=mail.manager())).json()
    assert health["configured"] is True and health["enabled"] is True
    assert health["last_error"] == "NO [AUTHENTICATIONFAILED] Invalid credentials"
    assert health["messages_waiting"] == 12 and health["credentials_failing"] is True
    assert health["lease_holder"] == "poller-7"
    assert health["last_poll_at"] and health["last_success_at"] and health["lease_expires_at"]

    # New credentials make the verdict on the old ones stale; a changed subject does not.
    unchanged = _settings(auto_reply_subject="Another")
    del unchanged["imap_password"], unchanged["smtp_password"]
    await mail.sql(
        "UPDATE mail.mailboxes SET credentials_failing = true WHERE department_id = $1", department_id
    )
    await _put(mail, department_id, unchanged)
    health = (await mail.client.get(_path(department_id, "/health"), headers=mail.manager())).json()
    assert health["credentials_failing"] is True
    await _put(mail, department_id, _settings(imap_password="fixed"))
    health = (await mail.client.get(_path(department_id, "/health"), headers=mail.manager())).json()
    assert health["credentials_failing"] is False


async def test_endpoints_are_built_from_the_stored_row_with_secrets_opened(mail: Any) -> None:
    department_id = await mail.department_known()
    await _put(mail, department_id, _settings())
    [row] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
    box = SecretBox(mail.secret_key)
    settings = MailGatewaySettings(mail_ca_file="/etc/ssl/internal-ca.pem")
    engine = mail.app.engine  # where a rotated refresh token would go
    imap = imap_endpoint(dict(row), box, settings, engine)
    smtp = smtp_endpoint(dict(row), box, settings, engine)
    assert imap is not None and smtp is not None
    assert (imap.host, imap.port, imap.tls, imap.username) == (
        "imap.example.com",
        993,
        "implicit",
        "support@example.com",
    )
    assert imap.password == SECRETS["imap_password"] and imap.auth == "password" and imap.oauth is None
    assert (smtp.port, smtp.tls, smtp.password) == (587, "starttls", SECRETS["smtp_password"])
    assert imap.ca_file == "/etc/ssl/internal-ca.pem"
    assert SECRETS["imap_password"] not in repr(imap)
    assert imap_endpoint({**dict(row), "imap_host": ""}, box, settings, engine) is None

    oauth = _settings(
        auth_method="oauth2",
        oauth_token_endpoint="https://login.example.com/token",
        oauth_client_id="client-id",
        oauth_refresh_token=SECRETS["oauth_refresh_token"],
        oauth_scope="scope",
    )
    await _put(mail, department_id, oauth)
    [row] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
    endpoint = imap_endpoint(dict(row), box, MailGatewaySettings(), engine)
    assert endpoint is not None and endpoint.oauth is not None and endpoint.password == ""
    assert endpoint.oauth.refresh_token == SECRETS["oauth_refresh_token"]
    assert (endpoint.oauth.client_secret, endpoint.oauth.mechanism) == ("", "XOAUTH2")
    assert endpoint.ca_file is None


async def test_a_rotated_refresh_token_never_overwrites_one_an_administrator_saved_meanwhile(
    mail: Any,
) -> None:
    department_id = await mail.department_known()
    oauth = _settings(
        auth_method="oauth2",
        oauth_token_endpoint="https://login.example.com/token",
        oauth_client_id="client-id",
        oauth_refresh_token="first-refresh-token",
    )
    await _put(mail, department_id, oauth)
    box = SecretBox(mail.secret_key)

    async def stored() -> str:
        [row] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
        return str(box.open(row["oauth_refresh_token_sealed"], what="refresh token"))

    [row] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
    endpoint = imap_endpoint(dict(row), box, MailGatewaySettings(), mail.app.engine)
    assert endpoint is not None and endpoint.oauth is not None and endpoint.oauth.keep_rotated is not None
    await endpoint.oauth.keep_rotated("rotated-once")
    assert await stored() == "rotated-once"
    await endpoint.oauth.keep_rotated("rotated-twice")  # over the one it wrote itself
    assert await stored() == "rotated-twice"

    # The endpoint still names the first token's row: the administrator's new grant stays.
    await _put(mail, department_id, {**oauth, "oauth_refresh_token": "pasted-by-the-administrator"})
    [row] = await mail.sql("SELECT * FROM mail.mailboxes WHERE department_id = $1", department_id)
    later = imap_endpoint(dict(row), box, MailGatewaySettings(), mail.app.engine)
    await endpoint.oauth.keep_rotated("rotated-from-a-stale-read")
    assert await stored() == "pasted-by-the-administrator"
    assert later is not None and later.oauth is not None and later.oauth.keep_rotated is not None
    await later.oauth.keep_rotated("rotated-from-the-new-grant")
    assert await stored() == "rotated-from-the-new-grant"
