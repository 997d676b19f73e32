-- sell_seats: one sale, all or nothing, in one statement (installed by revision 0016).
--
-- Revision 0013's function with one change: the seller's own holds on the sold seats are
-- swept by clear_seat_holds (migrations/sql/0016_holds.sql), which knows the seller from the
-- session token the document carries ("token"), since desks may no longer delete holds
-- themselves. Without a token, or with another client's id in "client", only lapsed holds
-- are swept, and a live hold on a sold seat still stops its ticket (tickets_respect_holds).
-- Otherwise unchanged; 0012_sell_seats.sql says what the document holds, what a sale checks
-- and in which order, and what each outcome means.
--
-- The party limit (1 to 9) is domain.seats.MAX_PARTY; tests/integration/test_sell_seats_sql.py
-- keeps the two equal.
--
-- This file is history: a change to the function is a new file named after a new revision,
-- which installs it, and tests/integration/test_sell_seats_sql.py checks that the latest such
-- file is what the head revision leaves installed.
CREATE OR REPLACE FUNCTION sell_seats(
    p_sale jsonb, OUT outcome text, OUT booking_id bigint, OUT problem_seats bigint[]
) LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan
SET search_path = public, pg_temp AS $$
DECLARE
    v_run integer := (p_sale->>'run')::integer;
    v_board integer := (p_sale->>'board')::integer;
    v_alight integer := (p_sale->>'alight')::integer;
    v_party integer := jsonb_array_length(p_sale->'party');
    v_seats bigint[];
    v_total integer;
    v_bookable boolean;
    v_current boolean;
    v_seller_active boolean;
    v_found integer;
    v_wrong_class integer;
BEGIN
    -- The seats come from the party alone: one list, each seat once (revision 0009).
    v_seats := ARRAY(SELECT DISTINCT (e->>'seat')::bigint
                       FROM jsonb_array_elements(p_sale->'party') AS e);
    IF v_party IS NULL OR v_party NOT BETWEEN 1 AND 9 OR cardinality(v_seats) <> v_party THEN
        RAISE EXCEPTION 'a sale is for 1 to 9 passengers, each on a seat of their own'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Guard one: the seats, in id order, before anything is checked.
    -- Locking first, in one order, means no two sales wait for each other in a circle, and
    -- every check below reads what was committed by whoever held a lock before us
    -- (READ COMMITTED: each statement sees the commits made before it started; revision 0010).
    SELECT count(*) INTO v_found
      FROM (SELECT 1 FROM public.run_seats rs
             WHERE rs.run_id = v_run AND rs.id = ANY (v_seats)
             ORDER BY rs.id
               FOR UPDATE) l;

    -- The run, the leg and the fares, read after the locks. A NULL (a key missing from the
    -- document) is a failed check, never a passed one: hence IS NOT TRUE below (revision 0009).
    SELECT r.status = 'scheduled' AND b.departs_at > now() AND r.sales_open_at <= now(),
           b.pick_up AND a.set_down
             AND a.distance_km - b.distance_km = (p_sale->>'distance')::numeric
             AND f.revision = (p_sale->>'fare_revision')::bigint,
           (SELECT sum(c.fare) FROM jsonb_to_recordset(p_sale->'party') AS c(fare integer)),
           (SELECT o.active FROM public.operators o WHERE o.id = (p_sale->>'operator')::integer)
      INTO v_bookable, v_current, v_total, v_seller_active
      FROM public.runs r
      JOIN public.run_stops b ON b.run_id = r.id AND b.position = v_board
      JOIN public.run_stops a ON a.run_id = r.id AND a.position = v_alight
     CROSS JOIN public.fare_revision f
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
    -- Cash short of the total, or no amount at all, is refused (revisions 0009 and 0011).
    IF p_sale->>'method' = 'cash'
       AND ((p_sale->>'cash_given')::integer < v_total) IS NOT FALSE THEN
        RAISE EXCEPTION 'the cash given is less than the total'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_found <> cardinality(v_seats) THEN
        outcome := 'missing'; RETURN;
    END IF;

    -- Each seat's class is the one priced (a missing class is a wrong one), and it is for sale.
    SELECT count(*) FILTER (WHERE ls.seat_class IS DISTINCT FROM c.seat_class),
           array_agg(rs.id ORDER BY rs.id) FILTER (WHERE NOT ls.for_sale)
      INTO v_wrong_class, problem_seats
      FROM public.run_seats rs
      JOIN public.layout_seats ls ON ls.id = rs.layout_seat_id
      JOIN jsonb_to_recordset(p_sale->'party') AS c(seat bigint, seat_class text)
        ON c.seat = rs.id
     WHERE rs.id = ANY (v_seats);
    IF problem_seats IS NOT NULL THEN
        outcome := 'unsellable'; RETURN;
    END IF;
    IF v_wrong_class > 0 THEN
        outcome := 'stale'; RETURN;
    END IF;

    -- An active ticket, or someone else's live hold, over the leg on any chosen seat. One
    -- LATERAL probe per seat, so the plan is an index lookup per seat whatever the statistics
    -- say (revision 0004); tickets are asked of the B-tree ix_tickets_active_seat, a run seat's
    -- id naming its run already (revision 0008).
    SELECT array_agg(s.seat ORDER BY s.seat) INTO problem_seats
      FROM unnest(v_seats) AS s(seat)
     CROSS JOIN LATERAL (
            SELECT 1 FROM public.tickets t
             WHERE t.run_seat_id = s.seat AND t.status = 'active'
               AND t.board_position < v_alight AND t.alight_position > v_board
            UNION ALL
            SELECT 1 FROM public.seat_holds h
             WHERE h.run_id = v_run AND h.run_seat_id = s.seat AND h.expires_at > now()
               AND h.client_id <> p_sale->>'client' AND h.stops && int4range(v_board, v_alight)
            LIMIT 1) AS conflict;
    IF problem_seats IS NOT NULL THEN
        outcome := 'taken'; RETURN;
    END IF;

    -- The seller's own holds end with the sale; lapsed holds of anyone are swept while we
    -- hold the seat locks (no cleanup job needed). Before the tickets: their trigger refuses
    -- a ticket over any live hold.
    PERFORM public.clear_seat_holds(p_sale->>'token', v_run, v_seats);

    -- The booking, its tickets and the audit event in one statement (revision 0005): the
    -- tickets' foreign-key checks run at its end and see the booking. A reference in use
    -- raises unique_violation and rolls the whole sale back, swept holds included.
    WITH booking AS (
        INSERT INTO public.bookings (reference, run_id, operator_id, station_id, total_cents,
                              payment_method, payment_reference, cash_given_cents)
        VALUES (p_sale->>'reference', v_run, (p_sale->>'operator')::integer,
                (p_sale->>'station')::integer, v_total, p_sale->>'method',
                p_sale->>'card_reference', (p_sale->>'cash_given')::integer)
        RETURNING id
    ), sold AS (
        INSERT INTO public.tickets (booking_id, run_id, run_seat_id, board_position, alight_position,
                             passenger_name, concession_code, seat_class, fare_cents)
        SELECT booking.id, v_run, c.seat, v_board, v_alight, c.name, c.concession,
               c.seat_class, c.fare
          FROM booking, jsonb_to_recordset(p_sale->'party')
               AS c(seat bigint, name text, concession text, seat_class text, fare integer)
    ), audited AS (
        INSERT INTO public.audit_events (operator_id, kind, subject, details)
        VALUES ((p_sale->>'operator')::integer, 'booking', p_sale->>'reference',
                p_sale->'audit')
    )
    SELECT id INTO booking_id FROM booking;
    outcome := 'sold';
END $$;
