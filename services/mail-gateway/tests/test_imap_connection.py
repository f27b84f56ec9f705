"""The IMAP connection against a real Dovecot: each TLS mode with the certificate verified, LOGIN
and OAuth2 (XOAUTH2, OAUTHBEARER through Dovecot's oauth2 passdb and a real token endpoint), and
every refusal in the server's own words, without a secret in them."""

from __future__ import annotations

import pytest

from helpdesk_common.testing.dovecot import DovecotServer
from mail_gateway.connections.endpoint import Endpoint, OAuthClient, ServerRefused
from mail_gateway.connections.imap import ImapConnection, check_imap, folder_name
from mail_gateway.connections.oauth import AccessTokens


def _endpoint(dovecot: DovecotServer, tls: str, username: str, password: str) -> Endpoint:
    port = dovecot.tls_port if tls == "implicit" else dovecot.port
    return Endpoint("localhost", port, tls, username, password=password, ca_file=dovecot.ca_file)  # type: ignore[arg-type]


@pytest.mark.parametrize("tls", ["implicit", "starttls", "none"])
async def test_a_password_login_in_each_tls_mode_reports_the_folder(dovecot: DovecotServer, tls: str) -> None:
    user = dovecot.add_user()
    for number in range(2):
        await dovecot.append(user, f"Subject: {number}\r\n\r\nbody\r\n".encode())
    assert await check_imap(_endpoint(dovecot, tls, user.name, user.password)) == (
        "Connected; INBOX holds 2 messages."
    )


async def test_starttls_really_upgrades_before_the_password_is_sent(dovecot: DovecotServer) -> None:
    user = dovecot.add_user()
    connection = await ImapConnection.open(_endpoint(dovecot, "starttls", user.name, user.password))
    try:
        assert connection.protocol.transport.get_extra_info("ssl_object") is not None
    finally:
        await connection.close()
    assert f"user=<{user.name}>, method=PLAIN" in dovecot.log_file.read_text()
    login = next(line for line in dovecot.log_file.read_text().splitlines() if f"user=<{user.name}>" in line)
    assert ", TLS," in login


async def test_a_wrong_password_is_refused_in_the_server_s_words(dovecot: DovecotServer) -> None:
    user = dovecot.add_user()
    with pytest.raises(ServerRefused) as refused:
        await check_imap(_endpoint(dovecot, "implicit", user.name, "not-the-password"))
    assert refused.value.stage == "login"
    assert "[AUTHENTICATIONFAILED] Authentication failed." in refused.value.words
    assert refused.value.credentials
    assert "not-the-password" not in str(refused.value)


async def test_a_certificate_from_an_unknown_authority_is_refused_before_any_password(
    dovecot: DovecotServer,
) -> None:
    user = dovecot.add_user()
    for tls in ("implicit", "starttls"):
        endpoint = _endpoint(dovecot, tls, user.name, user.password)
        untrusted = Endpoint(endpoint.host, endpoint.port, endpoint.tls, user.name, password=user.password)
        with pytest.raises(ServerRefused) as refused:
            await check_imap(untrusted)
        assert refused.value.stage == "tls"
        assert "certificate" in refused.value.words
        assert not refused.value.credentials
    assert f"user=<{user.name}>" not in dovecot.log_file.read_text()


async def test_a_host_name_the_certificate_does_not_name_is_refused(dovecot: DovecotServer) -> None:
    user = dovecot.add_user()
    endpoint = Endpoint(
        "127.0.0.2", dovecot.tls_port, "implicit", user.name, password=user.password, ca_file=dovecot.ca_file
    )
    with pytest.raises(ServerRefused) as refused:
        await check_imap(endpoint)
    assert refused.value.stage in {"tls", "connect"}


async def test_nobody_listening_is_a_connect_refusal(dovecot: DovecotServer) -> None:
    from helpdesk_common.embedded import free_port

    endpoint = Endpoint("localhost", free_port(), "implicit", "someone", password="x")
    with pytest.raises(ServerRefused) as refused:
        await check_imap(endpoint)
    assert refused.value.stage == "connect"
    assert not refused.value.credentials


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
async def test_oauth2_logs_in_with_an_access_token_the_refresh_token_bought_and_keeps_it(
    dovecot: DovecotServer, mechanism: str
) -> None:
    user = dovecot.add_user()
    grant = dovecot.tokens.grant(user.name)
    client = OAuthClient(
        grant.token_url, grant.client_id, grant.client_secret, grant.refresh_token, mechanism=mechanism
    )  # type: ignore[arg-type]
    endpoint = Endpoint(
        "localhost",
        dovecot.tls_port,
        "implicit",
        user.name,
        auth="oauth2",
        oauth=client,
        ca_file=dovecot.ca_file,
    )
    tokens = AccessTokens()
    assert await check_imap(endpoint, tokens=tokens) == "Connected; INBOX holds 0 messages."
    assert await check_imap(endpoint, tokens=tokens) == "Connected; INBOX holds 0 messages."
    # One exchange for both connections: the access token is kept until shortly before it expires.
    assert dovecot.tokens.token_requests == 1
    assert f"user=<{user.name}>, method={mechanism}" in dovecot.log_file.read_text()


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
async def test_an_access_token_the_server_rejects_is_refused_in_its_words_and_forgotten(
    dovecot: DovecotServer, mechanism: str
) -> None:
    user = dovecot.add_user()
    grant = dovecot.tokens.grant(user.name)
    client = OAuthClient(
        grant.token_url, grant.client_id, grant.client_secret, grant.refresh_token, mechanism=mechanism
    )  # type: ignore[arg-type]
    endpoint = Endpoint(
        "localhost", dovecot.port, "starttls", user.name, auth="oauth2", oauth=client, ca_file=dovecot.ca_file
    )
    tokens = AccessTokens()
    await check_imap(endpoint, tokens=tokens)
    # The authorization server no longer knows the access token (its introspection says inactive).
    dovecot.tokens.access_tokens.clear()
    with pytest.raises(ServerRefused) as refused:
        await check_imap(endpoint, tokens=tokens)
    assert refused.value.stage == "authenticate"
    assert "[AUTHENTICATIONFAILED]" in refused.value.words
    assert refused.value.credentials
    # The next connection buys a new token instead of offering the refused one again.
    assert await check_imap(endpoint, tokens=tokens) == "Connected; INBOX holds 0 messages."
    assert dovecot.tokens.token_requests == 2


async def test_a_refused_refresh_carries_the_endpoint_s_error_and_never_a_secret(
    dovecot: DovecotServer,
) -> None:
    user = dovecot.add_user()
    grant = dovecot.tokens.grant(user.name)
    dovecot.tokens.revoke(grant.refresh_token)
    client = OAuthClient(grant.token_url, grant.client_id, grant.client_secret, grant.refresh_token)
    endpoint = Endpoint(
        "localhost",
        dovecot.tls_port,
        "implicit",
        user.name,
        auth="oauth2",
        oauth=client,
        ca_file=dovecot.ca_file,
    )
    with pytest.raises(ServerRefused) as refused:
        await check_imap(endpoint)
    assert refused.value.stage == "oauth token"
    assert refused.value.credentials
    assert "invalid_grant" in refused.value.words
    assert "The refresh token has expired or was revoked." in refused.value.words
    for secret in (grant.refresh_token, grant.client_secret):
        assert secret not in str(refused.value)


async def test_wrong_client_credentials_are_the_endpoint_s_invalid_client(dovecot: DovecotServer) -> None:
    user = dovecot.add_user()
    grant = dovecot.tokens.grant(user.name)
    client = OAuthClient(grant.token_url, grant.client_id, "not-the-secret", grant.refresh_token)
    with pytest.raises(ServerRefused) as refused:
        await AccessTokens().token(client)
    assert "401" in refused.value.words and "invalid_client" in refused.value.words
    assert "not-the-secret" not in str(refused.value)


async def test_a_lost_connection_is_reported_at_once(dovecot: DovecotServer) -> None:
    user = dovecot.add_user()
    connection = await ImapConnection.open(_endpoint(dovecot, "implicit", user.name, user.password))
    await connection.select("INBOX")
    dovecot.stop()
    with pytest.raises(ServerRefused) as refused:
        await connection.noop()
    assert "closed the connection" in refused.value.words or "no answer" in refused.value.words
    await connection.close()


@pytest.mark.parametrize(
    ("folder", "spelled"),
    [
        ("INBOX", "INBOX"),
        ("Support & Sales", "Support &- Sales"),
        ("Eingänge", "Eing&AOQ-nge"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  # RFC 3501 5.1.3's example
        ("☺!", "&Jjo-!"),
        ("Поддержка", "&BB8EPgQ0BDQENQRABDYEOgQw-"),
    ],
)
def test_a_folder_name_is_spelled_in_modified_utf7(folder: str, spelled: str) -> None:
    assert folder_name(folder) == spelled


@pytest.mark.parametrize("folder", ["Eingänge", "Поддержка", "Sales&Support"])
async def test_a_folder_named_beyond_ascii_is_selected(dovecot: DovecotServer, folder: str) -> None:
    user = dovecot.add_user()
    # Created and filled by the stdlib client under the spelling the server keeps.
    await dovecot.append(user, b"Subject: hello\r\n\r\nhi\r\n", folder=folder_name(folder))
    endpoint = _endpoint(dovecot, "implicit", user.name, user.password)
    assert await check_imap(endpoint, folder) == f"Connected; {folder} holds 1 message."
