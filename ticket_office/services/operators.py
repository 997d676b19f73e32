"""Operator accounts, managed by supervisors (and by the command line on the database host)."""

from __future__ import annotations

from sqlalchemy import text

from ticket_office.domain import text_rules
from ticket_office.domain.errors import ValidationError
from ticket_office.domain.roles import Permission, Role
from ticket_office.services import passwords
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


def _token(actor: OperatorContext) -> str | None:
    """The supervisor's session; None for the command-line administrator, whom the server
    accepts only on the schema owner's own connection."""
    return None if actor.id is None else actor.session_token


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
    code = text_rules.station_code(station_code) if station_code else None
    new_hash = passwords.hash_new_password(password)
    (new_id,) = uow.call(
        "SELECT create_operator($1, $2, $3, $4, $5, $6, $7::boolean)",
        (
            _token(actor),
            name,
            shown,
            chosen_role.value,
            code,
            new_hash,
            "true" if must_change_password else "false",
        ),
    )
    return new_id


def _change(uow: UnitOfWork, actor: OperatorContext, statement: str, *params: str) -> None:
    require(actor, Permission.MANAGE_OPERATORS)
    uow.call(statement, (_token(actor), *params))


def reset_password(uow: UnitOfWork, actor: OperatorContext, username: str, password: str) -> None:
    """Set a temporary password that the operator must change at the next login."""
    name = text_rules.username(username)
    new_hash = passwords.hash_new_password(password)
    _change(uow, actor, "SELECT reset_password($1, $2, $3)", name, new_hash)


def deactivate(uow: UnitOfWork, actor: OperatorContext, username: str) -> None:
    name = text_rules.username(username)
    _change(uow, actor, "SELECT set_operator_active($1, $2, false)", name)


def reactivate(uow: UnitOfWork, actor: OperatorContext, username: str) -> None:
    name = text_rules.username(username)
    _change(uow, actor, "SELECT set_operator_active($1, $2, true)", name)


def unlock(uow: UnitOfWork, actor: OperatorContext, username: str) -> None:
    name = text_rules.username(username)
    _change(uow, actor, "SELECT unlock_operator($1, $2)", name)


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
