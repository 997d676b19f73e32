"""Signing keys in the database: added only by a supervisor or the schema's owner, private half
sealed, rotatable; a desk signs with the newest one its secret opens."""

from __future__ import annotations

import os
import stat
from dataclasses import replace

import owner_reads
import psycopg
import pytest
import ticket_keys
from alembic import command
from alembic.script import ScriptDirectory
from helpers import free_seats, request
from sqlalchemy import text

from tests.conftest import DEMO_PASSWORDS, url_as
from ticket_office.cli import SIGN_IN_PASSWORD_ENV, main
from ticket_office.db import schema
from ticket_office.domain.errors import PermissionDenied, ValidationError
from ticket_office.domain.roles import Role
from ticket_office.domain.ticket_payload import UnknownSigningKey, verify_ticket_payload
from ticket_office.services import ticket_signing
from ticket_office.services.results import OperatorContext
from ticket_office.services.ticket_signing import (
    NoSigningKey,
    SigningUnavailable,
    open_private_key,
)

SECRET = ticket_keys.TEST_SIGNING_SECRET
OTHER_SECRET = "another-office-secret-0123456789-abcdefghijklmnop"


@pytest.fixture
def reference(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    return services.counter(clerk).book(request(journey, free_seats(seat_map, 2))).reference


@pytest.fixture
def supervisor_at_their_desk(supervisor_desk, supervisor):
    return supervisor_desk.services.supervisor(supervisor)


def key_rows(backend):
    return owner_reads.read(
        backend,
        "SELECT id, public_key, private_key, active, created_by, created_as "
        "FROM signing_keys ORDER BY id",
    )


def test_the_demo_loader_made_the_first_key_as_the_owner_and_prints_use_it(
    backend, services, clerk, reference
):
    (row,) = key_rows(backend)
    assert (row.created_as, row.created_by, row.active) == ("owner", None, True)
    first = services.counter(clerk).ticket_documents(reference)
    again = services.counter(clerk).reprint_tickets(reference)
    assert {d.key_id for d in first + again} == {row.id}
    assert len(key_rows(backend)) == 1


def test_the_private_key_is_stored_sealed_not_in_plain_text(backend):
    (row,) = key_rows(backend)
    private_key = open_private_key(bytes(row.private_key), bytes(row.public_key), SECRET.encode())
    raw = private_key.private_bytes_raw()
    stored = bytes(row.private_key)
    assert raw not in stored
    assert len(stored) > len(raw)
    with pytest.raises(SigningUnavailable, match="not the one"):
        open_private_key(stored, bytes(row.public_key), b"another secret of enough length....")


def test_a_sealed_key_copied_onto_another_public_key_does_not_open(backend):
    (row,) = key_rows(backend)
    with pytest.raises(SigningUnavailable):
        open_private_key(bytes(row.private_key), b"\x01" * 32, SECRET.encode())


def test_a_machine_with_another_secret_cannot_sign_and_says_why(
    services, clerk, reference, monkeypatch
):
    monkeypatch.setenv(ticket_signing.SECRET_ENV, OTHER_SECRET)
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


# --- who adds keys ---------------------------------------------------------------------------


def test_a_counters_credential_cannot_insert_a_key_or_call_the_function(desk, backend):
    before = key_rows(backend)
    public, sealed = ticket_signing.new_sealed_key(SECRET.encode())
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(
            "INSERT INTO signing_keys (public_key, private_key) VALUES (%s, %s)", (public, sealed)
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute("SELECT add_signing_key(NULL, %s, %s)", (public, sealed))
    assert key_rows(backend) == before


def test_rotation_by_a_supervisors_session_signs_with_the_new_key_and_old_tickets_still_verify(
    backend, services, clerk, conductor, supervisor, supervisor_at_their_desk, reference
):
    old = services.counter(clerk).ticket_documents(reference)
    new_key = supervisor_at_their_desk.rotate_signing_key()
    new = services.counter(clerk).reprint_tickets(reference)
    keys = services.conductor(conductor).public_keys()
    assert {d.key_id for d in new} == {new_key} != {d.key_id for d in old}
    for document in old + new:
        verify_ticket_payload(document.qr_text, keys)
    with pytest.raises(UnknownSigningKey):
        verify_ticket_payload(new[0].qr_text, {k: v for k, v in keys.items() if k != new_key})
    added = key_rows(backend)[-1]
    assert (added.id, added.created_as, added.created_by) == (new_key, "supervisor", supervisor.id)


def test_adding_a_key_is_audited_by_the_server_as_the_supervisor(
    backend, supervisor, supervisor_at_their_desk
):
    key_id = supervisor_at_their_desk.rotate_signing_key()
    (event,) = owner_reads.read(
        backend,
        "SELECT operator_id, details FROM audit_events "
        "WHERE kind = 'signing_key_created' AND subject = :s",
        {"s": f"key {key_id}"},
    )
    assert (event.operator_id, event.details) == (supervisor.id, {"by": "supervisor"})


def test_only_a_supervisor_rotates_keys(services, clerk):
    with pytest.raises(PermissionDenied):
        services.supervisor(clerk).rotate_signing_key()


def test_a_clerks_session_claiming_to_be_a_supervisor_is_refused_by_the_server(
    backend, supervisor_desk, clerk
):
    """The desk's role check is the client's word; the server checks the session's role."""
    before = key_rows(backend)
    pretending = replace(clerk, role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied, match="A clerk may not"):
        supervisor_desk.services.supervisor(pretending).rotate_signing_key()
    assert key_rows(backend) == before


def test_a_supervisors_desk_without_a_session_is_not_the_owner(backend, supervisor_desk):
    with pytest.raises(PermissionDenied, match="supervisor's sign-in"):
        ticket_signing.create_signing_key(supervisor_desk.uow(), OperatorContext.system())
    assert len(key_rows(backend)) == 1


def test_the_function_refuses_what_is_not_a_sealed_key_pair(owner_backend, backend):
    public, sealed = ticket_signing.new_sealed_key(SECRET.encode())
    existing = bytes(key_rows(backend)[0].public_key)
    for bad_public, bad_sealed, message in (
        (public[:31], sealed, "32 bytes"),
        (public, b"\x00" * 64, "not sealed"),
        (public, sealed[:-1], "not sealed"),
        (existing, sealed, "already"),
    ):
        with (
            pytest.raises(ValidationError, match=message),
            owner_backend.uow() as uow,
        ):
            uow.session.execute(
                text("SELECT add_signing_key(NULL, :p, :s)"), {"p": bad_public, "s": bad_sealed}
            )
    assert len(key_rows(backend)) == 1


def test_the_command_line_adds_a_key_as_the_owner_or_a_signed_in_supervisor_only(
    database_url, desk_url, desk_role, supervisor_role, backend, monkeypatch, capsys
):
    if desk_role is None or supervisor_role is None:
        pytest.skip("the test server's role may not create roles")
    supervisors_desk = url_as(database_url, supervisor_role.name, supervisor_role.password)
    monkeypatch.setenv(SIGN_IN_PASSWORD_ENV, DEMO_PASSWORDS["supervisor"])
    for refused_command in (
        [desk_url],
        [desk_url, "--as", "supervisor"],  # a counter's machine, even with the password
        [supervisors_desk],  # no session: and this role is not the owner
    ):
        url, *signed_in = refused_command
        assert main(["--database-url", url, "create-signing-key", *signed_in]) == 1
        refused = capsys.readouterr().err
        assert "database owner's" in refused and "supervisor's sign-in" in refused
    monkeypatch.setenv(SIGN_IN_PASSWORD_ENV, DEMO_PASSWORDS["clerk"])
    assert main(["--database-url", supervisors_desk, "create-signing-key", "--as", "clerk"]) == 1
    assert "A clerk may not" in capsys.readouterr().err
    assert len(key_rows(backend)) == 1

    assert main(["--database-url", database_url, "create-signing-key"]) == 0
    assert "Created ticket-signing key" in capsys.readouterr().out
    monkeypatch.setenv(SIGN_IN_PASSWORD_ENV, DEMO_PASSWORDS["supervisor"])
    as_supervisor = ["create-signing-key", "--as", "supervisor"]
    assert main(["--database-url", supervisors_desk, *as_supervisor]) == 0
    by_owner, by_supervisor = key_rows(backend)[-2:]
    assert (by_owner.created_as, by_owner.created_by) == ("owner", None)
    assert by_supervisor.created_as == "supervisor" and by_supervisor.created_by is not None


# --- printing without a key this desk can use ------------------------------------------------


def test_printing_with_no_key_tells_the_clerk_that_a_supervisor_must_create_it(
    backend, owner_engine, services, clerk, reference
):
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM signing_keys"))
    with pytest.raises(NoSigningKey, match="ticket-office create-signing-key") as refused:
        services.counter(clerk).ticket_documents(reference)
    assert "supervisor" in str(refused.value)
    assert key_rows(backend) == []
    assert "print" not in owner_reads.audit_kinds(backend, reference)


def test_a_newer_key_sealed_with_another_secret_is_passed_over_not_fatal(
    services, clerk, conductor, supervisor_at_their_desk, reference, monkeypatch
):
    """A supervisor whose machine never got the office's secret rotates: the desks that cannot
    open the new key go on with the newest they can, and every ticket still verifies."""
    before = services.counter(clerk).ticket_documents(reference)
    monkeypatch.setenv(ticket_signing.SECRET_ENV, OTHER_SECRET)
    foreign = supervisor_at_their_desk.rotate_signing_key()
    on_that_machine = services.counter(clerk).reprint_tickets(reference)
    monkeypatch.setenv(ticket_signing.SECRET_ENV, SECRET)
    here = services.counter(clerk).reprint_tickets(reference)
    assert {d.key_id for d in on_that_machine} == {foreign}
    assert {d.key_id for d in here} == {d.key_id for d in before} != {foreign}
    keys = services.conductor(conductor).public_keys()
    for document in before + on_that_machine + here:
        verify_ticket_payload(document.qr_text, keys)


def test_a_key_no_desk_can_open_is_passed_over(owner_engine, services, clerk, reference):
    """What the attack left behind (a row written around the function) does not stop printing."""
    with owner_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO signing_keys (public_key, private_key, created_as) "
                "VALUES (:p, :s, 'owner')"
            ),
            {"p": b"\x02" * 32, "s": b"plain private key"},
        )
    documents = services.counter(clerk).ticket_documents(reference)
    assert documents[0].key_id == 1


# --- the secret ------------------------------------------------------------------------------


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


# --- keys from before revision 0018 ----------------------------------------------------------


def test_the_revision_keeps_sealed_keys_from_before_and_deactivates_any_other(owner_engine):
    """Before 0018 a counter could write any row: one the app could not have sealed never
    signed a ticket, so it goes; a sealed one may have, so it stays."""
    config = schema.alembic_config()
    with owner_engine.begin() as conn:
        config.attributes["connection"] = conn
        ours = ScriptDirectory.from_config(config).get_revision("0018")
        command.downgrade(config, ours.down_revision)
        public, sealed = ticket_signing.new_sealed_key(SECRET.encode())
        conn.execute(
            text("INSERT INTO signing_keys (public_key, private_key) VALUES (:p, :s), (:q, :t)"),
            {"p": public, "s": sealed, "q": b"\x03" * 32, "t": b"plain private key"},
        )
        command.upgrade(config, "head")
        rows = conn.execute(
            text("SELECT id, active, created_as, created_by FROM signing_keys ORDER BY id")
        ).all()
        events = (
            conn.execute(
                text("SELECT subject FROM audit_events WHERE kind = 'signing_key_deactivated'")
            )
            .scalars()
            .all()
        )
    assert [(r.active, r.created_as, r.created_by) for r in rows] == [
        (True, "legacy_desk", None),  # the demo's
        (True, "legacy_desk", None),
        (False, "legacy_desk", None),
    ]
    assert events == [f"key {rows[2].id}"]
