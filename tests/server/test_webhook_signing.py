"""Our Standard Webhooks signatures match the specification's reference implementation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from server.webhooks import signing

# The reference test vector of the Standard Webhooks libraries.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = '{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_reference_vector():
    assert signing.sign(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == EXPECTED


def test_the_reference_implementation_signs_the_same():
    reference = Webhook(SECRET).sign(MESSAGE_ID, datetime.fromtimestamp(TIMESTAMP, UTC), BODY)

    assert reference == EXPECTED


def test_the_reference_implementation_verifies_our_headers_with_a_new_secret():
    secret = signing.new_secret()
    now = int(datetime.now(UTC).timestamp())
    body = '{"type":"referral.mailed","data":{"名前":"x"}}'

    headers = signing.headers(secret, "msg_1", now, body)

    assert Webhook(secret).verify(body, headers)["data"] == {"名前": "x"}
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + " ", headers)
