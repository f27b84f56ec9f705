"""The SMTP connection (connections/smtp.py) against a real aiosmtpd server: implicit TLS and STARTTLS
with the certificate verified, password AUTH and XOAUTH2/OAUTHBEARER, the server's own refusals, a
server that is not there, and the settings' "Test SMTP" check."""

from __future__ import annotations

import pytest

from helpdesk_common.testing.smtp_sink import SmtpSink
from mail_gateway.connections import smtp
from mail_gateway.connections.endpoint import Endpoint, OAuthClient, TlsMode

MESSAGE = b"From: desk@example.test\r\nTo: ann@example.test\r\nSubject: Hello\r\n\r\nHi Ann.\r\n"
OUTGOING = smtp.Outgoing(sender="desk@example.test", recipients=["ann@example.test"], message=MESSAGE)


def endpoint(sink: SmtpSink, tls: TlsMode, **values: object) -> Endpoint:
    port = sink.tls_port if tls == "implicit" else sink.port
    return Endpoint(
        host=sink.host,
        port=port,
        tls=tls,
        ca_file=sink.ca_file,
        **{"username": "", **values},  # type: ignore[arg-type]
    )


def oauth(mechanism: str) -> OAuthClient:
    return OAuthClient(
        token_endpoint="http://127.0.0.1:9/token",
        client_id="helpdesk",
        client_secret="s",
        refresh_token="r",
        mechanism=mechanism,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("tls", ["implicit", "starttls", "none"])
async def test_a_message_goes_out_over_each_tls_mode_with_the_certificate_verified(
    smtp_sink: SmtpSink, tls: TlsMode
) -> None:
    smtp_sink.users["desk"] = "correct horse"
    words = await smtp.send(
        endpoint(smtp_sink, tls, username="desk", password="correct horse"), OUTGOING, command_seconds=10
    )
    assert words.startswith("250 ")
    [received] = smtp_sink.messages
    assert received.tls is (tls != "none")
    assert received.login == "desk"
    assert received.mail_from == "desk@example.test"
    assert received.rcpt_tos == ["ann@example.test"]
    assert received.parsed()["Subject"] == "Hello"


async def test_a_certificate_the_client_cannot_verify_is_refused_before_any_password_is_sent(
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.users["desk"] = "pw"
    untrusted = Endpoint(
        host=smtp_sink.host, port=smtp_sink.tls_port, tls="implicit", username="desk", password="pw"
    )
    with pytest.raises(smtp.SmtpRefused) as refused:
        await smtp.send(untrusted, OUTGOING, command_seconds=10)
    assert refused.value.stage == "connect"
    assert "CERTIFICATE_VERIFY_FAILED" in refused.value.words
    assert "pw" not in str(refused.value)
    assert smtp_sink.messages == []


async def test_a_wrong_password_is_the_servers_own_refusal_and_flags_the_credentials(
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.users["desk"] = "right"
    with pytest.raises(smtp.SmtpRefused) as refused:
        await smtp.send(
            endpoint(smtp_sink, "starttls", username="desk", password="wrong"), OUTGOING, command_seconds=10
        )
    assert refused.value.code == 535
    assert refused.value.credentials
    assert refused.value.permanent
    assert "535" in refused.value.words and "wrong" not in refused.value.words


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
async def test_oauth2_sends_the_access_token_by_the_mailboxs_mechanism(
    smtp_sink: SmtpSink, mechanism: str
) -> None:
    smtp_sink.tokens.add("token-123")
    box = endpoint(smtp_sink, "implicit", username="desk@example.test", auth="oauth2", oauth=oauth(mechanism))
    await smtp.send(box, OUTGOING, command_seconds=10, access_token="token-123")
    assert smtp_sink.messages[0].login == "desk@example.test"
    with pytest.raises(smtp.SmtpRefused) as refused:
        await smtp.send(box, OUTGOING, command_seconds=10, access_token="expired")
    assert refused.value.credentials and refused.value.code == 535
    assert len(smtp_sink.messages) == 1


async def test_a_refusal_after_data_carries_the_servers_code_and_words(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_next(1, "451 4.3.0 Greylisted, come back later")
    smtp_sink.refuse_next(1, "554 5.7.1 Message rejected as spam")
    with pytest.raises(smtp.SmtpRefused) as first:
        await smtp.send(endpoint(smtp_sink, "none"), OUTGOING, command_seconds=10)
    assert (first.value.code, first.value.permanent) == (451, False)
    assert first.value.words == "451 4.3.0 Greylisted, come back later"
    with pytest.raises(smtp.SmtpRefused) as second:
        await smtp.send(endpoint(smtp_sink, "none"), OUTGOING, command_seconds=10)
    assert (second.value.code, second.value.permanent) == (554, True)
    assert smtp_sink.messages == []


async def test_a_connection_dropped_after_the_250_still_counts_as_sent(smtp_sink: SmtpSink) -> None:
    smtp_sink.drop_after_accepting(1)
    words = await smtp.send(endpoint(smtp_sink, "none"), OUTGOING, command_seconds=10)
    assert words.startswith("250")
    assert len(smtp_sink.messages) == 1


async def test_a_server_that_is_not_there_is_a_connection_refusal_without_a_code() -> None:
    from helpdesk_common.embedded import free_port

    nowhere = Endpoint(host="127.0.0.1", port=free_port(), tls="none", username="")
    with pytest.raises(smtp.SmtpRefused) as refused:
        await smtp.send(nowhere, OUTGOING, command_seconds=5)
    assert refused.value.stage == "connect"
    assert refused.value.code is None and not refused.value.permanent


async def test_the_check_connects_authenticates_and_quits_without_sending(smtp_sink: SmtpSink) -> None:
    smtp_sink.users["desk"] = "pw"
    words = await smtp.check(
        endpoint(smtp_sink, "starttls", username="desk", password="pw"), command_seconds=10
    )
    assert words.startswith("250 ")
    assert smtp_sink.messages == []
    with pytest.raises(smtp.SmtpRefused) as refused:
        await smtp.check(
            endpoint(smtp_sink, "starttls", username="desk", password="nope"), command_seconds=10
        )
    assert refused.value.stage == "auth" and refused.value.credentials
