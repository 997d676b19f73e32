"""Close the gaps a database-level QA pass found in what the server itself guarantees

1. `sell_seats` took its seats from the document's "seats" list but wrote its tickets from
   "party", so a seat named only in "party" was never locked in id order, checked for sale or
   checked for its class (two such calls could deadlock). The seats now come from "party"
   alone: one list, each seat once, 1 to 9 of them. A null or missing "fare_revision" or
   "distance" no longer passes the staleness check (NULL is not false), a missing seat class
   is a wrong one, and a cash payment of less than the total is refused.
2. Money: the cash given cannot be negative, and a refund cannot be negative or more than what
   was paid, on a ticket or on a booking. Ticket classes are first or standard.
3. Tickets and holds are only written at READ COMMITTED. Their triggers lock the run seat and
   then look for a conflicting hold or ticket; at REPEATABLE READ or SERIALIZABLE that look
   uses the transaction's older snapshot and misses a row committed since, so a hold and a
   ticket could overlap. The app never changes the level; a script that does is refused.
4. A run seat stays on its run: moving it to another run would let a ticket of the old run and
   one of the new share an id with overlapping legs (revision 0008's probe relies on this).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 07:00:00
"""

from alembic import op

from ticket_office.db.schema import revision_sql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MONEY_CHECKS = (
    ("bookings", "ck_bookings_money", "total_cents >= 0 AND refunded_cents >= 0",
     "total_cents >= 0 AND refunded_cents >= 0 AND refunded_cents <= total_cents "
     "AND cash_given_cents >= 0"),
    ("tickets", "ck_tickets_fare", "fare_cents >= 0",
     "fare_cents >= 0 AND refund_cents >= 0 AND refund_cents <= fare_cents"),
)  # fmt: skip
SEAT_CLASS_CHECK = (
    "ALTER TABLE tickets ADD CONSTRAINT ck_tickets_seat_class "
    "CHECK (seat_class::text = ANY ('{first,standard}'::text[]))"
)

READ_COMMITTED_ONLY = """
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'tickets and seat holds are written at READ COMMITTED isolation'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'At a stricter level the check for a conflicting hold or ticket '
                         'reads an older snapshot.';
    END IF;"""

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION tickets_respect_holds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'active' THEN RETURN NEW; END IF;{READ_COMMITTED_ONLY}
    PERFORM 1 FROM run_seats WHERE id = NEW.run_seat_id AND run_id = NEW.run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % is not on run %', NEW.run_seat_id, NEW.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM seat_holds h
               WHERE h.run_id = NEW.run_id AND h.run_seat_id = NEW.run_seat_id
                 AND h.stops && int4range(NEW.board_position, NEW.alight_position)
                 AND h.expires_at > now()) THEN
        RAISE EXCEPTION 'seat % is held for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_tickets_no_double_sale';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION holds_respect_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{READ_COMMITTED_ONLY}
    PERFORM 1 FROM run_seats WHERE id = NEW.run_seat_id AND run_id = NEW.run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % is not on run %', NEW.run_seat_id, NEW.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM tickets t
               WHERE t.run_seat_id = NEW.run_seat_id AND t.status = 'active'
                 AND t.board_position < NEW.alight_position
                 AND t.alight_position > NEW.board_position) THEN
        RAISE EXCEPTION 'seat % is sold for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_seat_holds_no_double_hold';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION run_seats_stay_on_their_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'run seat % belongs to run % for good', OLD.id, OLD.run_id
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER run_seats_stay_on_their_run BEFORE UPDATE OF run_id ON run_seats
    FOR EACH ROW WHEN (OLD.run_id IS DISTINCT FROM NEW.run_id)
    EXECUTE FUNCTION run_seats_stay_on_their_run();
"""

SELL_SEATS = """
CREATE OR REPLACE FUNCTION sell_seats(
    p_sale jsonb, OUT outcome text, OUT booking_id bigint, OUT problem_seats bigint[]
) LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_run integer := (p_sale->>'run')::integer;
    v_board integer := (p_sale->>'board')::integer;
    v_alight integer := (p_sale->>'alight')::integer;
    v_seats bigint[];
    v_party integer;
    v_total integer;
    v_bookable boolean;
    v_current boolean;
    v_seller_active boolean;
    v_found integer;
    v_wrong_class integer;
BEGIN
    SELECT r.status = 'scheduled' AND b.departs_at > now() AND r.sales_open_at <= now(),
           b.pick_up AND a.set_down
             AND a.distance_km - b.distance_km = (p_sale->>'distance')::numeric
             AND f.revision = (p_sale->>'fare_revision')::bigint,
           ARRAY(SELECT DISTINCT (e->>'seat')::bigint
                   FROM jsonb_array_elements(p_sale->'party') AS e),
           jsonb_array_length(p_sale->'party'),
           (SELECT sum(c.fare) FROM jsonb_to_recordset(p_sale->'party') AS c(fare integer)),
           (SELECT o.active FROM operators o WHERE o.id = (p_sale->>'operator')::integer)
      INTO v_bookable, v_current, v_seats, v_party, v_total, v_seller_active
      FROM runs r
      JOIN run_stops b ON b.run_id = r.id AND b.position = v_board
      JOIN run_stops a ON a.run_id = r.id AND a.position = v_alight
     CROSS JOIN fare_revision f
     WHERE r.id = v_run;
    IF FOUND AND v_seller_active IS NOT TRUE THEN
        outcome := 'seller_inactive'; RETURN;
    END IF;
    IF NOT FOUND OR v_current IS NOT TRUE THEN
        outcome := 'stale'; RETURN;
    END IF;
    IF v_bookable IS NOT TRUE THEN
        outcome := 'not_bookable'; RETURN;
    END IF;
    IF v_party IS NULL OR v_party NOT BETWEEN 1 AND 9 OR cardinality(v_seats) <> v_party THEN
        RAISE EXCEPTION 'a sale is for 1 to 9 passengers, each on a seat of their own'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_sale->>'method' = 'cash' AND (p_sale->>'cash_given')::integer < v_total THEN
        RAISE EXCEPTION 'the cash given is less than the total'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT count(*),
           count(*) FILTER (WHERE ls.seat_class IS DISTINCT FROM c.seat_class),
           array_agg(l.id ORDER BY l.id) FILTER (WHERE NOT ls.for_sale)
      INTO v_found, v_wrong_class, problem_seats
      FROM (SELECT rs.id, rs.layout_seat_id FROM run_seats rs
             WHERE rs.run_id = v_run AND rs.id = ANY (v_seats)
             ORDER BY rs.id
               FOR UPDATE) l
      JOIN layout_seats ls ON ls.id = l.layout_seat_id
      JOIN jsonb_to_recordset(p_sale->'party') AS c(seat bigint, seat_class text)
        ON c.seat = l.id;
    IF v_found <> cardinality(v_seats) THEN
        outcome := 'missing'; problem_seats := NULL; RETURN;
    END IF;
    IF problem_seats IS NOT NULL THEN
        outcome := 'unsellable'; RETURN;
    END IF;
    IF v_wrong_class > 0 THEN
        outcome := 'stale'; RETURN;
    END IF;

    SELECT array_agg(s.seat ORDER BY s.seat) INTO problem_seats
      FROM unnest(v_seats) AS s(seat)
     CROSS JOIN LATERAL (
            SELECT 1 FROM tickets t
             WHERE t.run_seat_id = s.seat AND t.status = 'active'
               AND t.board_position < v_alight AND t.alight_position > v_board
            UNION ALL
            SELECT 1 FROM seat_holds h
             WHERE h.run_id = v_run AND h.run_seat_id = s.seat AND h.expires_at > now()
               AND h.client_id <> p_sale->>'client' AND h.stops && int4range(v_board, v_alight)
            LIMIT 1) AS conflict;
    IF problem_seats IS NOT NULL THEN
        outcome := 'taken'; RETURN;
    END IF;

    -- The seller's own holds end with the sale; lapsed holds of anyone are swept while we
    -- hold the seat locks (no cleanup job needed). Before the tickets: their trigger refuses
    -- a ticket over any live hold.
    DELETE FROM seat_holds h
     WHERE h.run_id = v_run AND h.run_seat_id = ANY (v_seats)
       AND (h.client_id = p_sale->>'client' OR h.expires_at <= now());

    WITH booking AS (
        INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents,
                              payment_method, payment_reference, cash_given_cents)
        VALUES (p_sale->>'reference', v_run, (p_sale->>'operator')::integer,
                (p_sale->>'station')::integer, v_total, p_sale->>'method',
                p_sale->>'card_reference', (p_sale->>'cash_given')::integer)
        RETURNING id
    ), sold AS (
        INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, alight_position,
                             passenger_name, concession_code, seat_class, fare_cents)
        SELECT booking.id, v_run, c.seat, v_board, v_alight, c.name, c.concession,
               c.seat_class, c.fare
          FROM booking, jsonb_to_recordset(p_sale->'party')
               AS c(seat bigint, name text, concession text, seat_class text, fare integer)
    ), audited AS (
        INSERT INTO audit_events (operator_id, kind, subject, details)
        VALUES ((p_sale->>'operator')::integer, 'booking', p_sale->>'reference',
                p_sale->'audit')
    )
    SELECT id INTO booking_id FROM booking;
    outcome := 'sold';
END $$;
"""


# Rows only a writer bypassing the services could have made. ALTER TABLE would refuse them with
# "violated by some row"; this says which rows, and the upgrade changes nothing until then.
EXISTING_ROWS_CHECK = """
DO $$
DECLARE
    v_bookings bigint[] := ARRAY(
        SELECT id FROM bookings
         WHERE NOT (total_cents >= 0 AND refunded_cents >= 0 AND refunded_cents <= total_cents
                    AND cash_given_cents >= 0)
         ORDER BY id LIMIT 20);
    v_tickets bigint[] := ARRAY(
        SELECT id FROM tickets
         WHERE NOT (fare_cents >= 0 AND refund_cents >= 0 AND refund_cents <= fare_cents
                    AND seat_class IN ('first', 'standard'))
         ORDER BY id LIMIT 20);
BEGIN
    IF cardinality(v_bookings) > 0 OR cardinality(v_tickets) > 0 THEN
        RAISE EXCEPTION 'Schema revision 0009 refuses negative cash, refunds above what was '
            'paid and seat classes other than first and standard, and rows written around '
            'Ticket Office have them: bookings %, tickets %. Correct those rows, then migrate '
            'again; nothing was changed.', v_bookings, v_tickets
            USING ERRCODE = 'check_violation';
    END IF;
END $$;
"""


def _replace_check(table: str, name: str, expression: str) -> None:
    op.execute(
        f"ALTER TABLE {table} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} CHECK ({expression})"
    )


def upgrade() -> None:
    op.execute(EXISTING_ROWS_CHECK)
    for table, name, _before, after in MONEY_CHECKS:
        _replace_check(table, name, after)
    op.execute(SEAT_CLASS_CHECK)
    op.execute(TRIGGERS)
    op.execute(SELL_SEATS)


def downgrade() -> None:
    for name in op.get_context().script.get_revision("0008").module.FUNCTIONS:
        op.execute(revision_sql(name))
    op.execute("DROP TRIGGER run_seats_stay_on_their_run ON run_seats")
    op.execute("DROP FUNCTION run_seats_stay_on_their_run()")
    op.execute("ALTER TABLE tickets DROP CONSTRAINT ck_tickets_seat_class")
    for table, name, before, _after in MONEY_CHECKS:
        _replace_check(table, name, before)
