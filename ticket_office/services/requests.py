"""Request ids: every write names one, so the server can say what became of it.

A desk makes a fresh id for each attempt at a write (`new_request_id`) and sends it with the
write. The server records the write's answer under that id in the write's own transaction
(api_claim_request / api_finish_request, migrations/sql/0014_sessions.sql), so the same id sent
again is answered from that record and never writes twice. When the reply is lost (the
connection dropped: `reply_lost`), `outcome_after_lost_reply` asks on another connection: the
answer that was recorded, or None: not saved, and from then on it never can be. If the write
is still running on the server, the question waits for it to end.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from ticket_office.domain.errors import DatabaseUnavailable, TicketOfficeError
from ticket_office.services.results import OperatorContext
from ticket_office.services.unit_of_work import UnitOfWork

_OUTCOME = "SELECT request_outcome($1, $2::uuid)"
# A server restarting after a crash takes a few seconds to accept connections again; a
# connection dropped with the write's gone too, and idle ones may have (each is closed as it
# fails), so the question is asked again, less and less often, for this long.
PATIENCE_SECONDS = 6.0
_FIRST_PAUSE = 0.1
_LONGEST_PAUSE = 1.0


def new_request_id() -> str:
    return str(uuid.uuid4())


def reply_lost(error: DatabaseUnavailable) -> bool:
    """Whether a write that failed so may have been saved all the same: the connection went
    (no SQLSTATE, a connection failure, the server shutting down) before its answer came. A
    statement the server refused (a lock timeout, a deadlock, a cancel) was rolled back."""
    code = getattr(error.__cause__, "sqlstate", None)
    return code is None or code.startswith(("08", "57P"))


def outcome_after_lost_reply(
    uow: UnitOfWork, token: str, request_id: str, *, patience: float | None = None
) -> dict[str, Any] | None:
    """What the server recorded for the request, or None if it was not saved (and now never
    will be). DatabaseUnavailable if the server still cannot be reached after `patience`
    seconds (PATIENCE_SECONDS): then nobody knows yet."""
    deadline = time.monotonic() + (PATIENCE_SECONDS if patience is None else patience)
    pause = _FIRST_PAUSE
    while True:
        try:
            (result,) = uow.call(_OUTCOME, (token, request_id))
            break
        except DatabaseUnavailable:
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, _LONGEST_PAUSE)
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
        if not reply_lost(lost):
            raise  # the server answered with an error (a lock timeout): it rolled back
        try:
            result = outcome_after_lost_reply(uow, token, request_id)
        except TicketOfficeError:
            # Not "nothing was saved": that is what nobody knows yet.
            raise DatabaseUnavailable(
                f"The connection to {uow.server} dropped, and whether {what} was saved is not "
                "known yet: look the booking up before doing it again."
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
