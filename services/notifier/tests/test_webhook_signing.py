"""Webhook signatures (issue 17, part 3), verified by an implementation that is not ours: the
`standardwebhooks` package of the specification's authors."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from notifier.webhooks.signing import new_secret, signed_headers


def test_a_signed_request_verifies_with_the_reference_implementation() -> None:
    secret = new_secret()
    body = b'{"subject": "Printer \\"on fire\\"", "ticket": "TKT-1"}'
    headers = signed_headers(secret, message_id="msg_1", timestamp=int(time.time()), body=body)
    assert Webhook(secret).verify(body, headers) is not None


def test_a_changed_body_or_another_secret_does_not_verify() -> None:
    secret = new_secret()
    body = b'{"ticket": "TKT-1"}'
    headers = signed_headers(secret, message_id="msg_1", timestamp=int(time.time()), body=body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"ticket": "TKT-2"}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_secrets_are_fresh_and_in_the_specification_s_spelling() -> None:
    first, second = new_secret(), new_secret()
    assert first != second and first.startswith("whsec_")
