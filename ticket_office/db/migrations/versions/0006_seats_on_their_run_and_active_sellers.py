"""Close two gaps the product owner's checks found: a seat claimed under another run's id, and
sales by an operator deactivated after logging in

1. `tickets.run_seat_id` references `run_seats(id)` and the exclusion constraint is keyed on
   (run_id, run_seat_id), so a writer bypassing the services could sell one seat twice for a
   leg by giving a ticket (or a hold) another run's id. The triggers that already lock the run
   seat for every active ticket and every hold now lock it *on the row's run* and refuse the
   row (foreign_key_violation) when the seat is not on that run. Same lock, one more predicate:
   no extra query.
2. The services trusted the operator captured at login, so a clerk deactivated mid-shift could
   go on selling. `sell_seats` now reads the seller's active flag in its first statement (a
   primary-key lookup) and answers 'seller_inactive'; the other use cases check it in their
   own transactions (services/access.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEATS_ON_THEIR_RUN = """
CREATE OR REPLACE FUNCTION tickets_respect_holds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'active' THEN RETURN NEW; END IF;
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
CREATE OR REPLACE TRIGGER tickets_respect_holds BEFORE INSERT OR UPDATE OF status, board_position,
    alight_position, run_seat_id, run_id ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_respect_holds();

CREATE OR REPLACE FUNCTION holds_respect_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM run_seats WHERE id = NEW.run_seat_id AND run_id = NEW.run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % is not on run %', NEW.run_seat_id, NEW.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM tickets t
               WHERE t.run_id = NEW.run_id AND t.run_seat_id = NEW.run_seat_id
                 AND t.stops && int4range(NEW.board_position, NEW.alight_position)
                 AND t.status = 'active') THEN
        RAISE EXCEPTION 'seat % is sold for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_seat_holds_no_double_hold';
    END IF;
    RETURN NEW;
END $$;
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
           ARRAY(SELECT jsonb_array_elements_text(p_sale->'seats')::bigint),
           (SELECT o.active FROM operators o WHERE o.id = (p_sale->>'operator')::integer)
      INTO v_bookable, v_current, v_seats, v_seller_active
      FROM runs r
      JOIN run_stops b ON b.run_id = r.id AND b.position = v_board
      JOIN run_stops a ON a.run_id = r.id AND a.position = v_alight
     CROSS JOIN fare_revision f
     WHERE r.id = v_run;
    IF FOUND AND v_seller_active IS NOT TRUE THEN
        outcome := 'seller_inactive'; RETURN;
    END IF;
    IF NOT FOUND OR NOT v_current THEN
        outcome := 'stale'; RETURN;
    END IF;
    IF NOT v_bookable THEN
        outcome := 'not_bookable'; RETURN;
    END IF;

    SELECT count(*),
           count(*) FILTER (WHERE ls.seat_class <> c.seat_class),
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
             WHERE t.run_id = v_run AND t.run_seat_id = s.seat AND t.status = 'active'
               AND t.stops && int4range(v_board, v_alight)
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
        SELECT p_sale->>'reference', v_run, (p_sale->>'operator')::integer,
               (p_sale->>'station')::integer, sum(c.fare), p_sale->>'method',
               p_sale->>'card_reference', (p_sale->>'cash_given')::integer
          FROM jsonb_to_recordset(p_sale->'party') AS c(fare integer)
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


def upgrade() -> None:
    op.execute(SEATS_ON_THEIR_RUN)
    op.execute(SELL_SEATS)


def downgrade() -> None:
    # Revisions 0002 and 0005 created these functions (and the triggers) from nothing: drop
    # them and run those revisions' text as it is.
    script = op.get_context().script
    op.execute("DROP FUNCTION sell_seats(jsonb)")
    op.execute(script.get_revision("0005").module.SELL_SEATS)
    op.execute("DROP TRIGGER tickets_respect_holds ON tickets")
    op.execute("DROP TRIGGER holds_respect_tickets ON seat_holds")
    op.execute("DROP FUNCTION tickets_respect_holds()")
    op.execute("DROP FUNCTION holds_respect_tickets()")
    op.execute(script.get_revision("0002").module.CROSS_TABLE_GUARD)
