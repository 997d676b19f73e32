"""The ticket-signing secret of every test desk: the demo template's key is sealed with it."""

from __future__ import annotations

TEST_SIGNING_SECRET = "tests-ticket-signing-secret-0123456789-abcdefghijkl"


def secret() -> bytes:
    return TEST_SIGNING_SECRET.encode()
