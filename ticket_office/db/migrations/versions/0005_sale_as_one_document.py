"""The sale takes one JSON document and runs five statements, not eight

Profiling 0004's `sell_seats` under load (bench/README.md, "Where the time goes") showed the
client spending a third of its CPU turning eighteen parameters (five of them arrays) into wire
format, and the server paying executor start-up for every statement of the function, every
foreign-key check and every trigger query. This revision keeps every check of 0004 and changes
only how the work is packed:

- The sale arrives as one `jsonb` document (the party as an array of objects, read with
  `jsonb_to_recordset`), which the client writes with the standard library's C encoder.
- The leg, the run's state and the fare revision are checked in one statement.
- The booking, its tickets and the audit event are written in one statement (data-modifying
  CTEs; the tickets' foreign-key checks run at its end and see the booking).
- A booking reference already in use raises unique_violation, so the whole sale is rolled
  back (including the swept holds) and the service draws another reference.

The lock order (run seats FOR UPDATE in id order), the conflict probe in a statement of its
own after the locks (a fresh snapshot sees what the previous lock holder sold), the exclusion
constraint and the cross-table triggers are as before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 00:30:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Document keys: run, board, alight, seats (ids), distance (a decimal string), fare_revision,
# client, operator, station, method, card_reference, cash_given, reference,
# party ([{seat, name, concession, seat_class, fare}]), audit (the audit event's details).
SELL_SEATS = """
CREATE FUNCTION sell_seats(
    p_sale jsonb, OUT outcome text, OUT booking_id bigint, OUT problem_seats bigint[]
) LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_run integer := (p_sale->>'run')::integer;
    v_board integer := (p_sale->>'board')::integer;
    v_alight integer := (p_sale->>'alight')::integer;
    v_seats bigint[];
    v_bookable boolean;
    v_current boolean;
    v_found integer;
    v_wrong_class integer;
BEGIN
    SELECT r.status = 'scheduled' AND b.departs_at > now() AND r.sales_open_at <= now(),
           b.pick_up AND a.set_down
             AND a.distance_km - b.distance_km = (p_sale->>'distance')::numeric
             AND f.revision = (p_sale->>'fare_revision')::bigint,
           ARRAY(SELECT jsonb_array_elements_text(p_sale->'seats')::bigint)
      INTO v_bookable, v_current, v_seats
      FROM runs r
      JOIN run_stops b ON b.run_id = r.id AND b.position = v_board
      JOIN run_stops a ON a.run_id = r.id AND a.position = v_alight
     CROSS JOIN fare_revision f
     WHERE r.id = v_run;
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

_OLD_SIGNATURE = (
    "sell_seats(integer, integer, integer, bigint[], text[], text[], text[], integer[], "
    "numeric, bigint, text, integer, integer, text, text, integer, text, jsonb)"
)


def upgrade() -> None:
    op.execute(f"DROP FUNCTION {_OLD_SIGNATURE}")
    op.execute(SELL_SEATS)


def downgrade() -> None:
    op.execute("DROP FUNCTION sell_seats(jsonb)")
    previous = op.get_context().script.get_revision("0004").module
    op.execute(previous.SELL_SEATS)
