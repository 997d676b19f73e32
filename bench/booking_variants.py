"""Candidate changes to the booking path, applied by monkeypatching inside a bench process only.

Nothing here changes ticket_office/: each variant is measured by bench/booking_experiments.py
(or `booking.py --variant`) against the service as it is. Variants combine with "+", e.g.
"no_pre_ping+notify_after_commit".

- service              the code as it is
- no_pre_ping          the pool does not ping on checkout (pool_pre_ping=False): -1 round trip
- notify_after_commit  the sale's NOTIFY leaves CHECK_AND_SELL and goes out right after the
                       COMMIT, on the same connection in autocommit (+1 round trip): PostgreSQL
                       holds its notify-queue lock from a notifying commit's start to its end
                       (WAL flush included), so NOTIFY inside the sale serializes every sale
- keep_prepared        psycopg keeps its prepared statements across rollback() (by default it
                       deallocates them all; a refused sale still rolls back, since its seat
                       locks assigned a transaction id)
- no_prepare           psycopg prepare_threshold=None: nothing prepared server-side
- prepare0             psycopg prepare_threshold=0: prepare on first use
- plan_auto            plan_cache_mode = auto instead of the engine's force_custom_plan (which
                       also re-plans the foreign-key checks and trigger statements of every
                       inserted row)
- commit_reads         a unit of work that ends without an error and without committing (a
                       read-only use case: search, seat map, lookups) ends with COMMIT without
                       first asking the server whether it wrote anything: -1 round trip per read
"""

from __future__ import annotations

VARIANTS = (
    "service",
    "no_pre_ping",
    "notify_after_commit",
    "keep_prepared",
    "no_prepare",
    "prepare0",
    "plan_auto",
    "commit_reads",
)

_NOTIFY_IN_SALE = "SELECT pg_notify(:channel, CAST(:run AS text)) FROM booking"
_ORIGINALS: dict = {}
_SETTINGS = {"prepare_threshold": 5, "plan_cache_mode": None}  # psycopg's default; the app's


def _install(backend) -> dict:  # noqa: ANN001
    """Remember what the variants replace, and hook the engine's checkout (once per engine)."""
    from psycopg._preparing import PrepareManager
    from sqlalchemy import event, text

    from ticket_office.services import booking, sale_sql, unit_of_work
    from ticket_office.services.unit_of_work import UnitOfWork

    if not _ORIGINALS:
        if _NOTIFY_IN_SALE not in sale_sql.CHECK_AND_SELL.text:
            raise SystemExit("sale_sql.CHECK_AND_SELL changed: update notify_after_commit")
        _ORIGINALS.update(
            book=booking.book,
            commit=UnitOfWork.commit,
            check_and_sell=sale_sql.CHECK_AND_SELL,
            prepared_clear=PrepareManager.clear,
            end_uncommitted=unit_of_work._end_uncommitted,
        )
    engine = backend.database.engine
    key = ("engine", id(engine))
    if key not in _ORIGINALS:
        with engine.connect() as conn:
            app_mode = conn.execute(text("SHOW plan_cache_mode")).scalar_one()
        _ORIGINALS[key] = (engine.pool._pre_ping, app_mode)

        @event.listens_for(engine, "checkout")
        def _connection_settings(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
            dbapi_connection.prepare_threshold = _SETTINGS["prepare_threshold"]
            wanted = _SETTINGS["plan_cache_mode"] or app_mode
            if record.info.get("plan_cache_mode", app_mode) != wanted:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute(f"SET plan_cache_mode = {wanted}")
                dbapi_connection.commit()
                record.info["plan_cache_mode"] = wanted

    return _ORIGINALS


def apply(variant: str, backend) -> None:  # noqa: ANN001
    """Make this process run `variant` (undoing any variant applied before)."""
    from psycopg._preparing import PrepareManager

    from ticket_office.services import booking, sale_sql, unit_of_work
    from ticket_office.services.unit_of_work import UnitOfWork

    original = _install(backend)
    pre_ping, _app_mode = original[("engine", id(backend.database.engine))]
    booking.book = original["book"]
    UnitOfWork.commit = original["commit"]
    sale_sql.CHECK_AND_SELL = original["check_and_sell"]
    PrepareManager.clear = original["prepared_clear"]
    unit_of_work._end_uncommitted = original["end_uncommitted"]
    backend.database.engine.pool._pre_ping = pre_ping
    _SETTINGS.update(prepare_threshold=5, plan_cache_mode=None)
    for part in filter(None, variant.split("+")):
        if part == "service":
            continue
        if part == "no_pre_ping":
            backend.database.engine.pool._pre_ping = False
        elif part == "notify_after_commit":
            _notify_after_commit()
        elif part == "keep_prepared":
            PrepareManager.clear = lambda self: False  # safe here: no DDL at run time
        elif part == "no_prepare":
            _SETTINGS["prepare_threshold"] = None
        elif part == "prepare0":
            _SETTINGS["prepare_threshold"] = 0
        elif part == "plan_auto":
            _SETTINGS["plan_cache_mode"] = "auto"
        elif part == "commit_reads":
            unit_of_work._end_uncommitted = _commit_reads
        else:
            raise SystemExit(f"unknown variant part {part!r}; known: {', '.join(VARIANTS)}")


def _notify_after_commit() -> None:
    from sqlalchemy import text

    from ticket_office.services import booking, sale_sql
    from ticket_office.services.unit_of_work import UnitOfWork

    original = _ORIGINALS
    sale_sql.CHECK_AND_SELL = text(
        original["check_and_sell"].text.replace(_NOTIFY_IN_SALE, "SELECT 1 WHERE false")
    )

    def book(uow, operator, request):  # noqa: ANN001, ANN202
        uow.bench_notify_after_commit = (booking.SEAT_CHANNEL, str(request.run_id))
        return original["book"](uow, operator, request)

    def commit(self) -> None:  # noqa: ANN001
        note = self.__dict__.pop("bench_notify_after_commit", None)
        if note is None:
            original["commit"](self)
            return
        dbapi = self.session.connection().connection.dbapi_connection
        original["commit"](self)
        dbapi.autocommit = True
        try:
            dbapi.execute("SELECT pg_notify(%s, %s)", note)
        finally:
            dbapi.autocommit = False

    booking.book = book
    UnitOfWork.commit = commit


def _commit_reads(session, exc) -> None:  # noqa: ANN001
    if exc is None and session.in_transaction():
        session.commit()
    else:
        _ORIGINALS["end_uncommitted"](session, exc)
