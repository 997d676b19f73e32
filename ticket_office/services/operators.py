"""Operator accounts, managed by supervisors (and by the command line on the database host)."""

from __future__ import annotations

from sqlalchemy import text

from ticket_office.domain import text_rules
from ticket_office.domain.errors import NotFound, ValidationError
from ticket_office.domain.roles import Permission, Role
from ticket_office.services import audit, passwords
from ticket_office.services.access import require, require_active
from ticket_office.services.results import OperatorContext, OperatorInfo
from ticket_office.services.unit_of_work import UnitOfWork


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValidationError(
            "Role must be one of: " + ", ".join(r.value for r in Role), field="role"
        ) from None


def _station_id(uow: UnitOfWork, code: str | None) -> int | None:
    if not code:
        return None
    code = text_rules.station_code(code)
    station_id = uow.session.execute(
        text("SELECT id FROM stations WHERE code = :code"), {"code": code}
    ).scalar_one_or_none()
    if station_id is None:
        raise NotFound(f"There is no station with code {code}.")
    return station_id


def create_operator(
    uow: UnitOfWork,
    actor: OperatorContext,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    station_code: str | None = None,
    must_change_password: bool = True,
) -> int:
    require(actor, Permission.MANAGE_OPERATORS)
    name = text_rules.username(username)
    shown = text_rules.display_name(display_name)
    chosen_role = _role(role)
    password_hash = passwords.hash_new_password(password)
    with uow:
        require_active(uow.session, actor)
        station_id = _station_id(uow, station_code)
        new_id = uow.session.execute(
            text(
                """
                INSERT INTO operators (username, display_name, role, home_station_id,
                                       password_salt, password_verifier, must_change_password)
                VALUES (:username, :display_name, :role, :station_id, left(:hash, 29),
                        sha256(convert_to(:hash, 'UTF8')), :must_change)
                ON CONFLICT (username) DO NOTHING
                RETURNING id
                """
            ),
            {
                "username": name,
                "display_name": shown,
                "role": chosen_role.value,
                "station_id": station_id,
                "hash": password_hash,
                "must_change": must_change_password,
            },
        ).scalar_one_or_none()
        if new_id is None:
            raise ValidationError(f"The username {name} is taken.", field="username")
        audit.record(
            uow.session,
            "operator_created",
            operator_id=actor.id,
            subject=name,
            role=chosen_role.value,
        )
        uow.commit()
        return new_id


def _update(
    uow: UnitOfWork, actor: OperatorContext, username: str, kind: str, sql: str, **params: object
) -> None:
    require(actor, Permission.MANAGE_OPERATORS)
    name = text_rules.username(username)
    with uow:
        require_active(uow.session, actor)
        found = uow.session.execute(
            text(f"UPDATE operators SET {sql} WHERE username = :username RETURNING id"),
            {"username": name, **params},
        ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"There is no operator called {name}.")
        audit.record(uow.session, kind, operator_id=actor.id, subject=name)
        uow.commit()


def reset_password(uow: UnitOfWork, actor: OperatorContext, username: str, password: str) -> None:
    """Set a temporary password that the operator must change at the next login."""
    new_hash = passwords.hash_new_password(password)
    _update(
        uow,
        actor,
        username,
        "password_reset",
        "password_salt = left(:hash, 29), password_verifier = sha256(convert_to(:hash, 'UTF8')), "
        "must_change_password = true, failed_logins = 0, locked_until = NULL",
        hash=new_hash,
    )


def deactivate(uow: UnitOfWork, actor: OperatorContext, username: str) -> None:
    _update(uow, actor, username, "operator_deactivated", "active = false")


def reactivate(uow: UnitOfWork, actor: OperatorContext, username: str) -> None:
    _update(uow, actor, username, "operator_reactivated", "active = true")


def unlock(uow: UnitOfWork, actor: OperatorContext, username: str) -> None:
    _update(uow, actor, username, "operator_unlocked", "failed_logins = 0, locked_until = NULL")


def list_operators(uow: UnitOfWork, actor: OperatorContext) -> list[OperatorInfo]:
    require(actor, Permission.MANAGE_OPERATORS)
    with uow:
        require_active(uow.session, actor)
        rows = uow.session.execute(
            text(
                """
                SELECT o.id, o.username, o.display_name, o.role, s.code, o.active,
                       CASE WHEN o.locked_until > now() THEN o.locked_until END AS locked_until,
                       o.must_change_password
                FROM operators o LEFT JOIN stations s ON s.id = o.home_station_id
                ORDER BY o.username
                """
            )
        ).all()
    return [
        OperatorInfo(
            r.id,
            r.username,
            r.display_name,
            Role(r.role),
            r.code,
            r.active,
            r.locked_until,
            r.must_change_password,
        )
        for r in rows
    ]
