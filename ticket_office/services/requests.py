"""Request ids: every write names one, so the server can say what became of it.

A desk makes a fresh id for each thing a clerk does (`new_request_id`) and sends it with the
write. The server records the write's result under that id in the write's own transaction
(api_claim_request / api_finish_request, migrations/sql/0014_sessions.sql), so the same id sent
again is answered from that record and never writes twice. When the reply is lost (the
connection dropped), `outcome_after_lost_reply` asks on another connection: the result that was
recorded, or None: not saved, and from then on it never can be.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.services.results import OperatorContext
from ticket_office.services.unit_of_work import UnitOfWork

_OUTCOME = "SELECT request_outcome($1, $2::uuid)"
# The connection that dropped is closed; idle ones may have dropped with it (a server restart)
# and each is closed as it fails, so a few tries reach a new connection.
_TRIES = 3


def new_request_id() -> str:
    return str(uuid.uuid4())


def outcome_after_lost_reply(uow: UnitOfWork, token: str, request_id: str) -> dict[str, Any] | None:
    """What the server recorded for the request, or None if it was not saved (and now never
    will be). DatabaseUnavailable if the server still cannot be reached: then nobody knows yet."""
    for attempt in range(_TRIES):
        try:
            (result,) = uow.call(_OUTCOME, (token, request_id))
            break
        except DatabaseUnavailable:
            if attempt == _TRIES - 1:
                raise
    return None if result is None or result.get("saved") is False else result


def send(
    uow: UnitOfWork,
    operator: OperatorContext,
    statement: str,
    params: Sequence[str | None],
    *,
    request_id: str | None,
    what: str,
    saved: Callable[[dict[str, Any]], str],
) -> dict[str, Any]:
    """Run a database API write, its $1 the session's token and $2 the request id (`params`
    are the rest), and return the result it recorded. Seat maps elsewhere hear of the runs the
    result lists under "runs".

    If the reply is lost, the clerk hears which it was: DatabaseUnavailable saying "saved: "
    and what `saved(result)` says of it, or "not saved"; only if the server cannot be asked
    either, that nobody knows yet. `what` names the change ("the cancellation of booking
    ABC123").
    """
    token, request_id = operator.session_token, request_id or new_request_id()
    try:
        (result,) = uow.call(statement, (token, request_id, *params))
    except DatabaseUnavailable as lost:
        if getattr(lost.__cause__, "sqlstate", None):
            raise  # the server answered with an error (a lock timeout): it rolled back
        try:
            result = outcome_after_lost_reply(uow, token, request_id)
        except DatabaseUnavailable:
            raise DatabaseUnavailable(
                f"{lost} Whether {what} was saved is not known yet: look the booking up "
                "before doing it again."
            ) from lost
        if result is None:
            raise _not_saved(what) from lost
        uow.seats_changed_and_committed(*result.get("runs", ()))
        raise DatabaseUnavailable(
            f"The connection dropped as {what} finished, but it was saved: {saved(result)}"
        ) from lost
    if result.get("saved") is False:  # the id was given up after an earlier lost reply
        raise _not_saved(what)
    uow.seats_changed_and_committed(*result.get("runs", ()))
    return result


def _not_saved(what: str) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"The connection dropped: {what} was not saved, and nothing changed. Try again."
    )
