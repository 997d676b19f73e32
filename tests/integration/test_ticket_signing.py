"""Signing keys in the database: made once on first use, private half sealed, rotatable."""

from __future__ import annotations

import os
import stat

import owner_reads
import pytest
from helpers import free_seats, request
from sqlalchemy import text

from ticket_office.domain.errors import PermissionDenied
from ticket_office.domain.ticket_payload import UnknownSigningKey, verify_ticket_payload
from ticket_office.services import ticket_signing
from ticket_office.services.ticket_signing import SigningUnavailable, open_private_key

SECRET = "test-signing-secret-0123456789-abcdefghijklmnop"


@pytest.fixture(autouse=True)
def signing_secret(monkeypatch):
    monkeypatch.setenv(ticket_signing.SECRET_ENV, SECRET)
    return SECRET


@pytest.fixture
def reference(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    return services.counter(clerk).book(request(journey, free_seats(seat_map, 2))).reference


def key_rows(backend):
    with backend.uow() as uow:
        return uow.session.execute(
            text("SELECT id, public_key, private_key, active FROM signing_keys ORDER BY id")
        ).all()


def test_the_first_print_creates_one_key_pair_and_later_prints_reuse_it(
    backend, services, clerk, reference
):
    assert key_rows(backend) == []
    first = services.counter(clerk).ticket_documents(reference)
    again = services.counter(clerk).reprint_tickets(reference)
    rows = key_rows(backend)
    assert len(rows) == 1
    assert {d.key_id for d in first + again} == {rows[0].id}


def test_the_private_key_is_stored_sealed_not_in_plain_text(backend, services, clerk, reference):
    services.counter(clerk).ticket_documents(reference)
    (row,) = key_rows(backend)
    private_key = open_private_key(bytes(row.private_key), bytes(row.public_key), SECRET.encode())
    raw = private_key.private_bytes_raw()
    stored = bytes(row.private_key)
    assert raw not in stored
    assert len(stored) > len(raw)
    with pytest.raises(SigningUnavailable, match="not the one"):
        open_private_key(stored, bytes(row.public_key), b"another secret of enough length....")


def test_a_sealed_key_copied_onto_another_public_key_does_not_open(
    backend, services, clerk, reference
):
    services.counter(clerk).ticket_documents(reference)
    (row,) = key_rows(backend)
    with pytest.raises(SigningUnavailable):
        open_private_key(bytes(row.private_key), b"\x01" * 32, SECRET.encode())


def test_a_machine_with_another_secret_cannot_sign_and_says_why(
    services, clerk, reference, monkeypatch
):
    services.counter(clerk).ticket_documents(reference)
    monkeypatch.setenv(ticket_signing.SECRET_ENV, "x" * 40)
    with pytest.raises(SigningUnavailable, match=ticket_signing.SECRET_ENV):
        services.counter(clerk).ticket_documents(reference)


def test_a_short_secret_is_refused(services, clerk, reference, monkeypatch):
    monkeypatch.setenv(ticket_signing.SECRET_ENV, "short")
    with pytest.raises(SigningUnavailable, match="too short"):
        services.counter(clerk).ticket_documents(reference)


def test_conductors_get_the_public_keys_and_verify_tickets_offline(
    services, clerk, conductor, reference
):
    documents = services.counter(clerk).ticket_documents(reference)
    keys = services.conductor(conductor).public_keys()
    for document in documents:
        verified = verify_ticket_payload(document.qr_text, keys)
        assert (verified.reference, verified.ticket_id) == (reference, document.ticket_id)


def test_a_clerk_may_not_fetch_the_conductors_key_list(services, clerk):
    with pytest.raises(PermissionDenied):
        services.conductor(clerk).public_keys()


def test_rotation_signs_with_the_new_key_and_old_tickets_still_verify(
    services, clerk, conductor, supervisor, reference
):
    old = services.counter(clerk).ticket_documents(reference)
    new_key = services.supervisor(supervisor).rotate_signing_key()
    new = services.counter(clerk).reprint_tickets(reference)
    keys = services.conductor(conductor).public_keys()
    assert {d.key_id for d in new} == {new_key} != {d.key_id for d in old}
    for document in old + new:
        verify_ticket_payload(document.qr_text, keys)
    with pytest.raises(UnknownSigningKey):
        verify_ticket_payload(new[0].qr_text, {k: v for k, v in keys.items() if k != new_key})


def test_only_a_supervisor_rotates_keys(services, clerk):
    with pytest.raises(PermissionDenied):
        services.supervisor(clerk).rotate_signing_key()


def test_without_environment_or_keyring_the_secret_file_is_made_private_once(tmp_path, monkeypatch):
    monkeypatch.delenv(ticket_signing.SECRET_ENV)
    monkeypatch.setattr(ticket_signing, "_keyring_secret", lambda: None)
    path = tmp_path / "data" / "ticket-signing-secret"
    monkeypatch.setenv(ticket_signing.SECRET_FILE_ENV, str(path))
    first = ticket_signing.signing_secret()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ticket_signing.signing_secret() == first
    assert len(first) >= ticket_signing.MIN_SECRET_LENGTH
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_secret_file_others_can_read_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(ticket_signing.SECRET_ENV)
    monkeypatch.setattr(ticket_signing, "_keyring_secret", lambda: None)
    path = tmp_path / "secret"
    path.write_text("y" * 40)
    os.chmod(path, 0o644)
    monkeypatch.setenv(ticket_signing.SECRET_FILE_ENV, str(path))
    with pytest.raises(SigningUnavailable, match="chmod 600"):
        ticket_signing.signing_secret()


def test_the_keyring_is_used_when_the_environment_has_no_secret(monkeypatch):
    monkeypatch.delenv(ticket_signing.SECRET_ENV)
    monkeypatch.setattr(ticket_signing, "_keyring_secret", lambda: "k" * 40)
    assert ticket_signing.signing_secret() == b"k" * 40


def test_key_creation_is_audited(backend, services, clerk, reference):
    services.counter(clerk).ticket_documents(reference)
    assert "signing_key_created" in owner_reads.audit_kinds(backend)
