"""Sell a party in one round trip: the sale as a server-side function, fares versioned

Until now a sale was BEGIN, lock-and-read, check-and-write, COMMIT: four waits on the server
and two Python-side passes over the results, and the client CPU of that (about 3 ms a sale)
was what limited a ticket office on a small server (bench/README.md). The service now prices
the party from facts it caches (a run's seats and stops never change; fares carry a revision)
and sends one statement, `sell_seats`. The function re-checks everything the price and the
sale depend on, on the server and under the seat locks:

1. the run is scheduled, the passenger's train has not left, sales are open;
2. the leg is served (pick-up, set-down) and its distance is the one the service priced;
3. it locks the chosen run seats FOR UPDATE in id order (no two parties wait in a circle), and
   they are on this run, for sale, and of the class the service priced;
4. the fares have not changed since the service read them (`fare_revision`);
5. in a *new* statement (so a fresh snapshot sees whatever the previous lock holder sold), no
   active ticket or someone else's live hold overlaps the leg on any chosen seat;

and only then sweeps the seller's own and lapsed holds, writes the booking, its tickets and
the audit event. Any failed check returns an outcome and writes nothing; the service turns a
'stale' outcome into a reload of its caches and a second try. The exclusion constraint and the
cross-table triggers still guard every row, whoever writes it.

The NOTIFY for seat maps is not sent here but right after the commit (see booking.py):
PostgreSQL serializes notifying commits across their WAL flush, which capped sales at the
speed of one disk flush at a time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 23:00:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FARE_REVISION = """
CREATE TABLE fare_revision (
    singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT ck_fare_revision_singleton
        CHECK (singleton),
    revision bigint NOT NULL DEFAULT 1
);
INSERT INTO fare_revision DEFAULT VALUES;

CREATE FUNCTION bump_fare_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fare_revision SET revision = revision + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER fare_rates_bump_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON fare_rates FOR EACH STATEMENT EXECUTE FUNCTION bump_fare_revision();
CREATE TRIGGER concessions_bump_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON concessions FOR EACH STATEMENT EXECUTE FUNCTION bump_fare_revision();
"""

# Each probe for a conflicting ticket or hold is a LATERAL subquery with LIMIT, so the plan is
# one GiST index lookup per chosen seat whatever the statistics say (a join on unnest() was
# planned as a scan of the whole run's tickets). Plans are generic on purpose: re-planning the
# function's statements on every call doubled its server time.
SELL_SEATS = """
CREATE FUNCTION sell_seats(
    p_run integer, p_board integer, p_alight integer,
    p_seats bigint[], p_names text[], p_concessions text[], p_classes text[], p_fares integer[],
    p_distance numeric, p_fare_revision bigint,
    p_client text, p_operator integer, p_station integer,
    p_method text, p_card_reference text, p_cash_given integer,
    p_reference text, p_details jsonb,
    OUT outcome text, OUT booking_id bigint, OUT problem_seats bigint[]
) LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_bookable boolean;
    v_served boolean;
    v_found integer;
    v_wrong_class integer;
BEGIN
    SELECT r.status = 'scheduled' AND b.departs_at > now() AND r.sales_open_at <= now(),
           b.pick_up AND a.set_down AND a.distance_km - b.distance_km = p_distance
      INTO v_bookable, v_served
      FROM runs r
      JOIN run_stops b ON b.run_id = r.id AND b.position = p_board
      JOIN run_stops a ON a.run_id = r.id AND a.position = p_alight
     WHERE r.id = p_run;
    IF NOT FOUND OR NOT v_served THEN
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
             WHERE rs.run_id = p_run AND rs.id = ANY (p_seats)
             ORDER BY rs.id
               FOR UPDATE) l
      JOIN layout_seats ls ON ls.id = l.layout_seat_id
      JOIN unnest(p_seats, p_classes) AS c(seat, seat_class) ON c.seat = l.id;
    IF v_found <> cardinality(p_seats) THEN
        outcome := 'missing'; problem_seats := NULL; RETURN;
    END IF;
    IF problem_seats IS NOT NULL THEN
        outcome := 'unsellable'; RETURN;
    END IF;
    IF v_wrong_class > 0
       OR p_fare_revision IS DISTINCT FROM (SELECT revision FROM fare_revision) THEN
        outcome := 'stale'; RETURN;
    END IF;

    SELECT array_agg(s.seat ORDER BY s.seat) INTO problem_seats
      FROM unnest(p_seats) AS s(seat)
     CROSS JOIN LATERAL (
            SELECT 1 FROM tickets t
             WHERE t.run_id = p_run AND t.run_seat_id = s.seat AND t.status = 'active'
               AND t.stops && int4range(p_board, p_alight)
            UNION ALL
            SELECT 1 FROM seat_holds h
             WHERE h.run_id = p_run AND h.run_seat_id = s.seat AND h.expires_at > now()
               AND h.client_id <> p_client AND h.stops && int4range(p_board, p_alight)
            LIMIT 1) AS conflict;
    IF problem_seats IS NOT NULL THEN
        outcome := 'taken'; RETURN;
    END IF;

    INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents,
                          payment_method, payment_reference, cash_given_cents)
    SELECT p_reference, p_run, p_operator, p_station, sum(f), p_method, p_card_reference,
           p_cash_given
      FROM unnest(p_fares) AS f
        ON CONFLICT (reference) DO NOTHING
    RETURNING id INTO booking_id;
    IF booking_id IS NULL THEN
        outcome := 'reference_taken'; RETURN;
    END IF;
    -- The seller's own holds end with the sale; lapsed holds of anyone are swept while we
    -- hold the seat locks (no cleanup job needed).
    DELETE FROM seat_holds h
     WHERE h.run_id = p_run AND h.run_seat_id = ANY (p_seats)
       AND (h.client_id = p_client OR h.expires_at <= now());
    INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, alight_position,
                         passenger_name, concession_code, seat_class, fare_cents)
    SELECT sell_seats.booking_id, p_run, c.seat, p_board, p_alight, c.name, c.concession,
           c.seat_class, c.fare
      FROM unnest(p_seats, p_names, p_concessions, p_classes, p_fares)
           AS c(seat, name, concession, seat_class, fare);
    INSERT INTO audit_events (operator_id, kind, subject, details)
    VALUES (p_operator, 'booking', p_reference, p_details);
    outcome := 'sold';
END $$;
"""


def upgrade() -> None:
    op.execute(FARE_REVISION)
    op.execute(SELL_SEATS)


def downgrade() -> None:
    op.execute("DROP FUNCTION sell_seats")
    op.execute("DROP TRIGGER concessions_bump_revision ON concessions")
    op.execute("DROP TRIGGER fare_rates_bump_revision ON fare_rates")
    op.execute("DROP FUNCTION bump_fare_revision()")
    op.execute("DROP TABLE fare_revision")
