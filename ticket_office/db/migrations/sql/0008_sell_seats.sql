-- Revision 0008 installs this (and revision 0009's downgrade restores it): revision 0006's
-- sell_seats, its probe for an overlapping ticket now asking the B-tree ix_tickets_active_seat
-- (t.board_position < v_alight AND t.alight_position > v_board) instead of the exclusion
-- constraint's GiST. Written out whole so no revision edits another's text; history, never
-- edited: a later change is a new file for a new revision.
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
