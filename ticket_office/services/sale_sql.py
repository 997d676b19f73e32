"""The two statements of a sale, between BEGIN and COMMIT (see booking.book).

1. LOCK_AND_READ locks the chosen run seats `FOR UPDATE` in id order, sweeps the seller's own
   and anyone's lapsed holds on them, and reads the leg, the seats and the fares in force.
2. CHECK_AND_SELL runs as a *new* statement, so its snapshot sees every sale committed by
   whoever held these seats before us. It looks for overlapping tickets and live holds and,
   only if there are none, writes the booking, its tickets, the audit event and the NOTIFY.

Seat ids are probed one by one through `unnest`, because a GiST index cannot serve
`= ANY(array)`; each probe is an index lookup on (run_id, run_seat_id, stops).
"""

from __future__ import annotations

from sqlalchemy import bindparam, text

from ticket_office.services.run_legs import LEG_COLUMNS, LEG_JOINS

LOCK_AND_READ = text(
    f"""
    WITH locked AS MATERIALIZED (
        SELECT rs.id, ls.label, rs.coach_no, ls.seat_class, ls.for_sale
        FROM run_seats rs JOIN layout_seats ls ON ls.id = rs.layout_seat_id
        WHERE rs.run_id = :run AND rs.id IN :ids
        ORDER BY rs.id
        FOR UPDATE OF rs
    ), swept AS (
        DELETE FROM seat_holds
        WHERE run_id = :run AND run_seat_id IN (SELECT id FROM locked)
          AND (client_id = :client OR expires_at <= now())
        RETURNING 1
    )
    SELECT {LEG_COLUMNS},
           (SELECT json_agg(json_build_array(id, label, coach_no, seat_class, for_sale))
            FROM locked) AS seats,
           (SELECT json_agg(json_build_array(seat_class, base_cents, cents_per_km::text,
                                             minimum_cents))
            FROM (SELECT DISTINCT ON (seat_class) seat_class, base_cents, cents_per_km,
                         minimum_cents
                  FROM fare_rates WHERE valid_from <= r.service_date
                  ORDER BY seat_class, valid_from DESC) rates) AS rates,
           (SELECT json_agg(json_build_array(code, name, discount_percent))
            FROM concessions) AS concessions,
           (SELECT count(*) FROM swept) AS swept
    FROM runs r {LEG_JOINS}
    WHERE r.id = :run
    """
).bindparams(bindparam("ids", expanding=True))

CHECK_AND_SELL = text(
    """
    WITH chosen AS (
        SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:names AS text[]),
                             CAST(:concessions AS text[]), CAST(:classes AS text[]),
                             CAST(:fares AS integer[]))
                 AS c(seat, name, concession, seat_class, fare)
    ), conflicts AS MATERIALIZED (
        SELECT t.run_seat_id FROM chosen
        JOIN tickets t ON t.run_id = :run AND t.run_seat_id = chosen.seat
        WHERE t.status = 'active' AND t.stops && int4range(:board, :alight)
        UNION
        SELECT h.run_seat_id FROM chosen
        JOIN seat_holds h ON h.run_id = :run AND h.run_seat_id = chosen.seat
        WHERE h.expires_at > now() AND h.client_id <> :client
          AND h.stops && int4range(:board, :alight)
    ), booking AS (
        INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents,
                              payment_method, payment_reference, cash_given_cents)
        SELECT :reference, :run, :operator, :station, :total, :method, :card_ref, :cash
        WHERE NOT EXISTS (SELECT 1 FROM conflicts)
        ON CONFLICT (reference) DO NOTHING
        RETURNING id
    ), sold AS (
        INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position,
                             alight_position, passenger_name, concession_code, seat_class,
                             fare_cents)
        SELECT booking.id, :run, chosen.seat, :board, :alight, chosen.name,
               chosen.concession, chosen.seat_class, chosen.fare
        FROM booking, chosen
        RETURNING 1
    ), audited AS (
        INSERT INTO audit_events (operator_id, kind, subject, details)
        SELECT :operator, 'booking', :reference, CAST(:details AS jsonb) FROM booking
        RETURNING 1
    ), notified AS (
        SELECT pg_notify(:channel, CAST(:run AS text)) FROM booking
    )
    SELECT (SELECT id FROM booking) AS booking_id,
           ARRAY(SELECT run_seat_id FROM conflicts ORDER BY 1) AS conflicts,
           (SELECT count(*) FROM sold) + (SELECT count(*) FROM audited)
               + (SELECT count(*) FROM notified) AS written
    """
)
