-- Revision 0019 installs this: cancellations, seat changes and booking moves as functions of
-- the database API (issue 14 §2-§4).
--
-- A desk used to write these itself, so its credential alone could set a sold ticket's fare
-- and its booking's total to 0, mark a ticket refunded in full, or do either without an audit
-- event. Now desks hold no UPDATE on tickets or bookings: cancel_tickets, change_seats and
-- move_booking (SECURITY DEFINER, owned by ticket_office_api) check the caller's session,
-- price the refund or the change from the server's own fares and timetable, write the rows and
-- the audit event in the caller's name, and record their result under the request id, so a
-- request sent again is answered from that record and never writes twice.
--
-- Each does what services/cancellation.py and services/changes.py did, with the same checks
-- in the same order and the same messages, pricing with revision 0017's api_refund and
-- api_fare_cents (the rules of domain/refunds.py and services/pricing.py); the quotes stay
-- Python reads, and tests/integration/test_changes_through_the_api.py checks that they agree.
-- Locks, everywhere in one order: the booking row, then run seats in id order.
--
-- Refusals (the message is the clerk's; services/unit_of_work.py maps the codes):
--   TO004 ValidationError (COLUMN names the field)    TO006 NotFound
--   TO007 BookingNotChangeable                        TO008 SeatUnavailable (DETAIL: a JSON
--   TO009 RunNotBookable                                    array of the seats' captions)
--   TO010 InvalidSegment
--
-- The text is ASCII (the euro sign is chr(8364)), so the file installs under any encoding.
-- History, never edited: a later change is a new file for a new revision.

-- domain.seats.seat_caption: "coach 4 seat 12".
CREATE FUNCTION public.api_seat_caption(p_coach integer, p_label text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
    SELECT 'coach ' || p_coach || ' seat ' || p_label
$$;

-- domain.dates.day_text: "Thu 3 Dec 2026" (to_char's names are English without TM).
CREATE FUNCTION public.api_day_text(p_day date) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
    SELECT to_char(p_day, 'Dy FMDD Mon FMYYYY')
$$;

-- domain.refunds.RULE_TEXT, recorded with every cancellation.
CREATE FUNCTION public.api_refund_rule() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
    SELECT 'Full refund up to 24 h before departure; 20% fee (at least ' || chr(8364)
           || '2.00) after that; no refund once the train has left.'
$$;

-- services.changes.FARE_RULE, recorded with every change.
CREATE FUNCTION public.api_change_rule() RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = public, pg_temp AS $$
    SELECT 'A change keeps the fare already paid when the new fare is the same or lower (the '
           'difference is not refunded); when the new fare is higher, the difference is due now.'
$$;

-- A leg of a run, as services.run_legs.load_leg reads and checks it (InvalidSegment for stops
-- that are no leg of the train, NotFound for no such run).
CREATE TYPE public.api_leg AS (
    run_id integer, train_number text, service_date date, status text,
    sales_open_at timestamptz, board integer, alight integer, departs_at timestamptz,
    distance_km numeric, board_station integer, alight_station integer
);

CREATE FUNCTION public.api_leg(p_run bigint, p_board integer, p_alight integer)
RETURNS public.api_leg
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    v public.api_leg;
    v_row record;
BEGIN
    -- domain.segments.Segment
    IF p_board IS NULL OR p_alight IS NULL THEN
        RAISE EXCEPTION 'Choose the stops from this train''s route.' USING ERRCODE = 'TO010';
    ELSIF p_board < 0 OR p_alight < 0 THEN
        RAISE EXCEPTION 'Stop positions cannot be negative.' USING ERRCODE = 'TO010';
    ELSIF p_board > 32767 OR p_alight > 32767 THEN
        RAISE EXCEPTION 'That stop is not on this train''s route.' USING ERRCODE = 'TO010';
    ELSIF p_alight < p_board THEN
        RAISE EXCEPTION 'The destination must come after the origin on this train.'
            USING ERRCODE = 'TO010';
    ELSIF p_alight = p_board THEN
        RAISE EXCEPTION 'Origin and destination are the same stop.' USING ERRCODE = 'TO010';
    END IF;
    SELECT r.id, s.train_number, r.service_date, r.status, r.sales_open_at,
           b.departs_at, b.distance_km AS board_km, b.pick_up, b.station_id AS board_station,
           a.arrives_at, a.distance_km AS alight_km, a.set_down, a.station_id AS alight_station,
           (SELECT max(x.position) FROM public.run_stops x WHERE x.run_id = r.id) AS last_position
      INTO v_row
      FROM public.runs r
      JOIN public.services s ON s.id = r.service_id
      LEFT JOIN public.run_stops b ON b.run_id = r.id AND b.position = p_board
      LEFT JOIN public.run_stops a ON a.run_id = r.id AND a.position = p_alight
     WHERE r.id = p_run;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'That train run does not exist.' USING ERRCODE = 'TO006';
    END IF;
    -- services.run_legs.ensure_served
    IF v_row.departs_at IS NULL OR v_row.arrives_at IS NULL
       OR p_alight > v_row.last_position THEN
        RAISE EXCEPTION 'Train % does not serve that part of the route.', v_row.train_number
            USING ERRCODE = 'TO010';
    ELSIF v_row.pick_up IS NOT TRUE THEN
        RAISE EXCEPTION 'Train % does not pick up at that origin.', v_row.train_number
            USING ERRCODE = 'TO010';
    ELSIF v_row.set_down IS NOT TRUE THEN
        RAISE EXCEPTION 'Train % does not set down at that destination.', v_row.train_number
            USING ERRCODE = 'TO010';
    END IF;
    v := ROW(v_row.id, v_row.train_number, v_row.service_date, v_row.status,
             v_row.sales_open_at, p_board, p_alight, v_row.departs_at,
             v_row.alight_km - v_row.board_km, v_row.board_station, v_row.alight_station);
    RETURN v;
END $$;

-- RunLeg.ensure_bookable: RunNotBookable unless the leg can be sold now.
CREATE FUNCTION public.api_check_bookable(p_leg public.api_leg) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF p_leg.status <> 'scheduled' THEN
        RAISE EXCEPTION 'Train % on % is cancelled.', p_leg.train_number,
            public.api_day_text(p_leg.service_date) USING ERRCODE = 'TO009';
    ELSIF p_leg.departs_at <= now() THEN
        RAISE EXCEPTION 'Train % has already left this passenger''s station.',
            p_leg.train_number USING ERRCODE = 'TO009';
    ELSIF p_leg.sales_open_at > now() THEN
        RAISE EXCEPTION 'Sales for train % on % open on %.', p_leg.train_number,
            public.api_day_text(p_leg.service_date), public.api_day_text(p_leg.sales_open_at::date)
            USING ERRCODE = 'TO009';
    END IF;
END $$;

-- api_caller for these writes, except that a session ended because a supervisor deactivated its
-- operator says so (TO002), as the check these writes replace did: api_session says only that
-- the session ended (TO001), which is true of a sign-out too.
CREATE FUNCTION public.api_change_caller(p_token text) RETURNS public.api_caller
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.operator_sessions s
                 JOIN public.operators o ON o.id = s.operator_id
                WHERE s.token_hash = sha256(convert_to(p_token, 'UTF8')) AND NOT o.active) THEN
        RAISE EXCEPTION 'This account has been deactivated. Please see a supervisor.'
            USING ERRCODE = 'TO002';
    END IF;
    RETURN public.api_caller(p_token, 'cancel');
END $$;

-- The booking a reference names, its row locked: concurrent changes of one booking queue here.
CREATE FUNCTION public.api_locked_booking(p_reference text) RETURNS public.bookings
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v public.bookings;
BEGIN
    SELECT * INTO v FROM public.bookings b WHERE b.reference = p_reference FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'No booking with reference %.',
            left(regexp_replace(coalesce(p_reference, ''), '[^0-9A-Za-z]', '', 'g'), 12)
            USING ERRCODE = 'TO006';
    END IF;
    RETURN v;
END $$;

-- Tickets paired with seats (p_tickets[i] gets p_seats[i]): services.changes._checked_seat_choice
-- and services.pricing.check_party_size / distinct_seats.
CREATE FUNCTION public.api_check_seat_choice(p_tickets bigint[], p_seats bigint[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF p_tickets IS NULL OR p_seats IS NULL
       OR coalesce(array_ndims(p_tickets), 1) <> 1 OR coalesce(array_ndims(p_seats), 1) <> 1
       OR cardinality(p_tickets) <> cardinality(p_seats)
       OR array_position(p_tickets, NULL) IS NOT NULL OR array_position(p_seats, NULL) IS NOT NULL
       OR (SELECT count(DISTINCT t) FROM unnest(p_tickets) AS t) <> cardinality(p_tickets) THEN
        RAISE EXCEPTION 'Choose a seat for each passenger.' USING ERRCODE = 'TO004',
            COLUMN = 'seats';
    ELSIF cardinality(p_seats) < 1 THEN
        RAISE EXCEPTION 'Choose at least one seat.' USING ERRCODE = 'TO004', COLUMN = 'seats';
    ELSIF cardinality(p_seats) > 9 THEN  -- domain.seats.MAX_PARTY
        RAISE EXCEPTION 'A booking is for at most 9 passengers.' USING ERRCODE = 'TO004',
            COLUMN = 'seats';
    ELSIF (SELECT count(DISTINCT s) FROM unnest(p_seats) AS s) <> cardinality(p_seats) THEN
        RAISE EXCEPTION 'The same seat is chosen twice.' USING ERRCODE = 'TO004',
            COLUMN = 'seats';
    END IF;
END $$;

-- The new seats, locked in id order, for tickets that each move onto `p_seats[i]` on run
-- `p_runs[i]` for stops `p_boards[i]` to `p_alights[i]` (services.seat_locks.lock_seats then
-- ensure_free): NotFound for a seat not on its run, SeatUnavailable for a seat not for sale,
-- or sold or held by another desk for an overlapping leg. `p_also` are locked with them
-- (a seat change locks the seats it leaves too).
CREATE FUNCTION public.api_lock_free_seats(
    p_caller public.api_caller, p_train text, p_runs integer[], p_boards integer[],
    p_alights integer[], p_seats bigint[], p_also bigint[]
) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_missing integer;
    v_taken jsonb;
BEGIN
    PERFORM 1 FROM public.run_seats rs
     WHERE rs.run_id = ANY (p_runs) AND (rs.id = ANY (p_seats) OR rs.id = ANY (p_also))
     ORDER BY rs.id
       FOR UPDATE;
    SELECT count(*) INTO v_missing
      FROM unnest(p_seats, p_runs) AS m(seat, run)
     WHERE NOT EXISTS (SELECT 1 FROM public.run_seats rs WHERE rs.id = m.seat AND rs.run_id = m.run);
    IF v_missing > 0 THEN
        RAISE EXCEPTION '% not on train %.',
            CASE WHEN v_missing = 1 THEN '1 chosen seat is' ELSE v_missing || ' chosen seats are' END,
            p_train USING ERRCODE = 'TO006';
    END IF;
    -- Seats not for sale first, then those taken, each in seat id order (as ensure_free).
    SELECT jsonb_agg(c.caption ORDER BY c.unsellable DESC, c.seat) INTO v_taken
      FROM (SELECT true AS unsellable, m.seat, public.api_seat_caption(rs.coach_no, ls.label)
                   AS caption
              FROM unnest(p_seats) AS m(seat)
              JOIN public.run_seats rs ON rs.id = m.seat
              JOIN public.layout_seats ls ON ls.id = rs.layout_seat_id
             WHERE NOT ls.for_sale
            UNION ALL
            SELECT false, m.seat, public.api_seat_caption(rs.coach_no, ls.label)
              FROM unnest(p_seats, p_runs, p_boards, p_alights) AS m(seat, run, board, alight)
              JOIN public.run_seats rs ON rs.id = m.seat
              JOIN public.layout_seats ls ON ls.id = rs.layout_seat_id
             WHERE EXISTS (SELECT 1 FROM public.tickets t
                            WHERE t.run_seat_id = m.seat AND t.status = 'active'
                              AND t.board_position < m.alight AND t.alight_position > m.board)
                OR EXISTS (SELECT 1 FROM public.seat_holds h
                            WHERE h.run_id = m.run AND h.run_seat_id = m.seat
                              AND h.expires_at > now() AND h.client_id <> p_caller.client_id
                              AND h.stops && int4range(m.board, m.alight))) AS c;
    IF v_taken IS NOT NULL THEN
        RAISE EXCEPTION 'Those seats are no longer available.' USING ERRCODE = 'TO008',
            DETAIL = v_taken::text;
    END IF;
    -- The caller's own holds end with the change; lapsed holds of anyone are swept while we
    -- hold the seat locks. Before the tickets move: their trigger refuses any live hold.
    DELETE FROM public.seat_holds h
     USING unnest(p_seats, p_runs) AS m(seat, run)
     WHERE h.run_id = m.run AND h.run_seat_id = m.seat
       AND (h.client_id = p_caller.client_id OR h.expires_at <= now());
END $$;

-- Move tickets onto their new seats (and run and leg) in place, one UPDATE each, so a passenger
-- never holds two seats and never none; the difference due is added to each ticket's fare.
-- `p_lines` are the lines change_seats and move_booking return (see there).
CREATE FUNCTION public.api_rewrite_tickets(
    p_lines jsonb, p_run integer, p_board integer, p_alight integer
) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE public.tickets t
       SET run_id = coalesce(p_run, t.run_id), run_seat_id = l.seat,
           board_position = coalesce(p_board, t.board_position),
           alight_position = coalesce(p_alight, t.alight_position),
           seat_class = l.seat_class, fare_cents = l.paid + greatest(0, l.new_fare - l.paid)
      FROM jsonb_to_recordset(p_lines) AS l(ticket bigint, seat bigint, seat_class text,
                                            paid integer, new_fare integer)
     WHERE t.id = l.ticket AND t.status = 'active';
EXCEPTION WHEN exclusion_violation THEN
    -- Only reachable if someone bypassed the locks; the constraint still said no.
    RAISE EXCEPTION 'Those seats are no longer available.' USING ERRCODE = 'TO008',
        DETAIL = (SELECT jsonb_agg(l.new_seat)
                    FROM jsonb_to_recordset(p_lines) AS l(new_seat text))::text;
END $$;

-- Cancel the chosen tickets of a booking (all its active ones when p_tickets is NULL); their
-- seats are free at once. Each refund is api_refund's (revision 0017) from the ticket's fare
-- and departure. Returns {"saved": true, "reference", "reason", "runs" (whose seats it freed),
-- "lines": [{"ticket", "passenger", "fare", "fee", "refund"}]}.
CREATE FUNCTION public.cancel_tickets(
    p_token text, p_request uuid, p_reference text, p_tickets bigint[]
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_caller public.api_caller;
    v_prior jsonb;
    v_booking public.bookings;
    v_now timestamptz := now();
    v_lines jsonb;
    v_refund integer;
    v_reason text;
    v_result jsonb;
BEGIN
    v_caller := public.api_change_caller(p_token);
    v_prior := public.api_claim_request(p_request, v_caller, 'cancellation');
    IF v_prior IS NOT NULL THEN
        RETURN v_prior;
    END IF;
    IF p_tickets IS NOT NULL AND coalesce(cardinality(p_tickets), 0) = 0 THEN
        RAISE EXCEPTION 'Choose the tickets to cancel.' USING ERRCODE = 'TO004',
            COLUMN = 'tickets';
    END IF;
    v_booking := public.api_locked_booking(p_reference);
    IF NOT EXISTS (SELECT 1 FROM public.tickets t
                    WHERE t.booking_id = v_booking.id AND t.status = 'active') THEN
        RAISE EXCEPTION 'Booking % has no active tickets left.', v_booking.reference
            USING ERRCODE = 'TO007';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_tickets) AS c(id)
                WHERE NOT EXISTS (SELECT 1 FROM public.tickets t
                                   WHERE t.id = c.id AND t.booking_id = v_booking.id)) THEN
        RAISE EXCEPTION 'That ticket is not part of booking %.', v_booking.reference
            USING ERRCODE = 'TO006';
    END IF;
    IF EXISTS (SELECT 1 FROM public.tickets t
                WHERE t.id = ANY (p_tickets) AND t.booking_id = v_booking.id
                  AND t.status <> 'active') THEN
        RAISE EXCEPTION 'That ticket is already cancelled.' USING ERRCODE = 'TO007';
    END IF;

    PERFORM 1 FROM public.run_seats rs
     WHERE rs.id IN (SELECT t.run_seat_id FROM public.tickets t
                      WHERE t.booking_id = v_booking.id AND t.status = 'active'
                        AND (p_tickets IS NULL OR t.id = ANY (p_tickets)))
     ORDER BY rs.id
       FOR UPDATE;

    -- In the order asked for; the whole booking in the order its tickets are shown.
    SELECT jsonb_agg(jsonb_build_object('ticket', t.id, 'passenger', t.passenger_name,
                                        'fare', t.fare_cents, 'fee', r.fee_cents,
                                        'refund', r.refund_cents)
                     ORDER BY array_position(p_tickets, t.id), bo.departs_at, rs.coach_no,
                              ls.grid_row, ls.grid_column, t.id),
           sum(r.refund_cents),
           -- The reason of the last line, as quote_cancellation gives it.
           (array_agg(r.reason ORDER BY array_position(p_tickets, t.id) DESC,
                      bo.departs_at DESC, rs.coach_no DESC, ls.grid_row DESC,
                      ls.grid_column DESC, t.id DESC))[1]
      INTO v_lines, v_refund, v_reason
      FROM public.tickets t
      JOIN public.run_seats rs ON rs.id = t.run_seat_id
      JOIN public.layout_seats ls ON ls.id = rs.layout_seat_id
      JOIN public.run_stops bo ON bo.run_id = t.run_id AND bo.position = t.board_position
     CROSS JOIN LATERAL public.api_refund(t.fare_cents, bo.departs_at, v_now) AS r
     WHERE t.booking_id = v_booking.id AND t.status = 'active'
       AND (p_tickets IS NULL OR t.id = ANY (p_tickets));

    UPDATE public.tickets t
       SET status = 'cancelled', cancelled_at = v_now, refund_cents = l.refund
      FROM jsonb_to_recordset(v_lines) AS l(ticket bigint, refund integer)
     WHERE t.id = l.ticket AND t.status = 'active';
    UPDATE public.bookings b
       SET refunded_cents = b.refunded_cents + v_refund,
           status = CASE WHEN EXISTS (SELECT 1 FROM public.tickets t
                                       WHERE t.booking_id = b.id AND t.status = 'active')
                         THEN b.status ELSE 'cancelled' END
     WHERE b.id = v_booking.id;
    INSERT INTO public.audit_events (operator_id, kind, subject, details)
    VALUES (v_caller.operator_id, 'cancellation', v_booking.reference,
            jsonb_build_object(
                'tickets', (SELECT jsonb_agg(l.line->'ticket' ORDER BY l.ord)
                              FROM jsonb_array_elements(v_lines) WITH ORDINALITY AS l(line, ord)),
                'refund_cents', v_refund, 'rule', public.api_refund_rule(),
                'reason', v_reason));

    v_result := jsonb_build_object(
        'saved', true, 'reference', v_booking.reference, 'reason', v_reason, 'lines', v_lines,
        'runs', (SELECT jsonb_agg(DISTINCT t.run_id) FROM public.tickets t
                  JOIN jsonb_to_recordset(v_lines) AS l(ticket bigint) ON l.ticket = t.id));
    PERFORM public.api_finish_request(p_request, v_result);
    RETURN v_result;
END $$;

-- Give tickets of a booking other seats on the same run and leg: p_tickets[i] gets p_seats[i]
-- (services.changes.change_seat, for one ticket or several). Returns {"saved": true,
-- "reference", "old_run", "new_run", "train", "runs", "lines": [{"ticket", "passenger",
-- "old_seat", "new_seat", "seat", "seat_class", "paid", "new_fare"}]}; one audit event per
-- ticket.
CREATE FUNCTION public.change_seats(
    p_token text, p_request uuid, p_reference text, p_tickets bigint[], p_seats bigint[]
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_caller public.api_caller;
    v_prior jsonb;
    v_booking public.bookings;
    v_ticket public.tickets;
    v_leg public.api_leg;
    v_legs public.api_leg[] := '{}';
    v_runs integer[] := '{}';
    v_boards integer[] := '{}';
    v_alights integer[] := '{}';
    v_old_seats bigint[] := '{}';
    v_lines jsonb := '[]';
    v_result jsonb;
BEGIN
    v_caller := public.api_change_caller(p_token);
    v_prior := public.api_claim_request(p_request, v_caller, 'seat_change');
    IF v_prior IS NOT NULL THEN
        RETURN v_prior;
    END IF;
    PERFORM public.api_check_seat_choice(p_tickets, p_seats);
    v_booking := public.api_locked_booking(p_reference);
    IF v_booking.status <> 'active' THEN
        RAISE EXCEPTION 'Booking % is cancelled.', v_booking.reference USING ERRCODE = 'TO007';
    END IF;
    FOR i IN 1 .. cardinality(p_tickets) LOOP
        SELECT * INTO v_ticket FROM public.tickets t
         WHERE t.id = p_tickets[i] AND t.booking_id = v_booking.id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'That ticket is not part of booking %.', v_booking.reference
                USING ERRCODE = 'TO006';
        ELSIF v_ticket.status <> 'active' THEN
            RAISE EXCEPTION 'That ticket is cancelled; its seat cannot be changed.'
                USING ERRCODE = 'TO007';
        ELSIF p_seats[i] = v_ticket.run_seat_id THEN
            RAISE EXCEPTION 'That is already this passenger''s seat.' USING ERRCODE = 'TO004',
                COLUMN = 'seat';
        END IF;
        v_leg := public.api_leg(v_ticket.run_id, v_ticket.board_position,
                                v_ticket.alight_position);
        PERFORM public.api_check_bookable(v_leg);
        v_legs := array_append(v_legs, v_leg);
        v_runs := array_append(v_runs, v_leg.run_id);
        v_boards := array_append(v_boards, v_leg.board);
        v_alights := array_append(v_alights, v_leg.alight);
        v_old_seats := array_append(v_old_seats, v_ticket.run_seat_id);
    END LOOP;

    PERFORM public.api_lock_free_seats(v_caller, v_leg.train_number, v_runs, v_boards,
                                       v_alights, p_seats, v_old_seats);

    SELECT jsonb_agg(jsonb_build_object(
               'ticket', t.id, 'passenger', t.passenger_name,
               'old_seat', public.api_seat_caption(ors.coach_no, ols.label),
               'new_seat', public.api_seat_caption(nrs.coach_no, nls.label),
               'seat', nrs.id, 'seat_class', nls.seat_class, 'paid', t.fare_cents,
               'new_fare', public.api_fare_cents(nls.seat_class, t.concession_code, NULL,
                                                 (v_legs[m.ord]).distance_km,
                                                 (v_legs[m.ord]).service_date))
               ORDER BY m.ord)
      INTO v_lines
      FROM unnest(p_tickets, p_seats) WITH ORDINALITY AS m(ticket, seat, ord)
      JOIN public.tickets t ON t.id = m.ticket
      JOIN public.run_seats ors ON ors.id = t.run_seat_id
      JOIN public.layout_seats ols ON ols.id = ors.layout_seat_id
      JOIN public.run_seats nrs ON nrs.id = m.seat
      JOIN public.layout_seats nls ON nls.id = nrs.layout_seat_id;

    PERFORM public.api_rewrite_tickets(v_lines, NULL, NULL, NULL);
    UPDATE public.bookings b
       SET total_cents = b.total_cents
                         + (SELECT sum(greatest(0, l.new_fare - l.paid))
                              FROM jsonb_to_recordset(v_lines) AS l(paid integer, new_fare integer))
     WHERE b.id = v_booking.id;
    INSERT INTO public.audit_events (operator_id, kind, subject, details)
    SELECT v_caller.operator_id, 'seat_change', v_booking.reference,
           jsonb_build_object('run_id', t.run_id, 'ticket', l.ticket, 'old_seat', l.old_seat,
                              'new_seat', l.new_seat,
                              'due_cents', greatest(0, l.new_fare - l.paid),
                              'rule', public.api_change_rule())
      FROM jsonb_array_elements(v_lines) WITH ORDINALITY AS e(line, ord)
     CROSS JOIN LATERAL jsonb_to_record(e.line)
           AS l(ticket bigint, old_seat text, new_seat text, paid integer, new_fare integer)
      JOIN public.tickets t ON t.id = l.ticket
     ORDER BY e.ord;

    v_result := jsonb_build_object(
        'saved', true, 'reference', v_booking.reference, 'old_run', v_leg.run_id,
        'new_run', v_leg.run_id, 'train', v_leg.train_number, 'lines', v_lines,
        'runs', to_jsonb(ARRAY(SELECT DISTINCT r FROM unnest(v_runs) AS r ORDER BY r)));
    PERFORM public.api_finish_request(p_request, v_result);
    RETURN v_result;
END $$;

-- Move every active ticket of a booking to another run of the same journey (the same origin
-- and destination stations): p_tickets[i] gets p_seats[i] on run p_run, stops p_board to
-- p_alight (services.changes.move_booking). Returns what change_seats returns; one audit event.
CREATE FUNCTION public.move_booking(
    p_token text, p_request uuid, p_reference text, p_run bigint, p_board integer,
    p_alight integer, p_tickets bigint[], p_seats bigint[]
) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_caller public.api_caller;
    v_prior jsonb;
    v_booking public.bookings;
    v_first public.tickets;
    v_active integer;
    v_missing integer;
    v_old public.api_leg;
    v_leg public.api_leg;
    v_lines jsonb;
    v_due integer;
    v_result jsonb;
    v_count integer;
BEGIN
    v_caller := public.api_change_caller(p_token);
    v_prior := public.api_claim_request(p_request, v_caller, 'booking_move');
    IF v_prior IS NOT NULL THEN
        RETURN v_prior;
    END IF;
    PERFORM public.api_check_seat_choice(p_tickets, p_seats);
    v_count := cardinality(p_tickets);
    v_booking := public.api_locked_booking(p_reference);
    IF v_booking.status <> 'active' THEN
        RAISE EXCEPTION 'Booking % is cancelled.', v_booking.reference USING ERRCODE = 'TO007';
    END IF;
    SELECT count(*) INTO v_active FROM public.tickets t
     WHERE t.booking_id = v_booking.id AND t.status = 'active';
    IF v_active = 0 THEN
        RAISE EXCEPTION 'Booking % has no active tickets left.', v_booking.reference
            USING ERRCODE = 'TO007';
    END IF;
    -- services.changes._check_tickets_match
    IF EXISTS (SELECT 1 FROM unnest(p_tickets) AS c(id)
                WHERE NOT EXISTS (SELECT 1 FROM public.tickets t
                                   WHERE t.id = c.id AND t.booking_id = v_booking.id)) THEN
        RAISE EXCEPTION 'That ticket is not part of booking %.', v_booking.reference
            USING ERRCODE = 'TO006';
    END IF;
    IF EXISTS (SELECT 1 FROM public.tickets t
                WHERE t.id = ANY (p_tickets) AND t.status <> 'active') THEN
        RAISE EXCEPTION 'A cancelled ticket cannot be moved.' USING ERRCODE = 'TO007';
    END IF;
    v_missing := v_active - v_count;
    IF v_missing > 0 THEN
        RAISE EXCEPTION 'Choose a seat for every passenger: % of % still need one.',
            v_missing, v_active USING ERRCODE = 'TO004', COLUMN = 'seats';
    END IF;

    SELECT * INTO v_first FROM public.tickets t
     WHERE t.booking_id = v_booking.id AND t.status = 'active' ORDER BY t.id LIMIT 1;
    IF p_run = v_first.run_id THEN
        RAISE EXCEPTION 'That is the booking''s own train; use Change seat to choose other seats.'
            USING ERRCODE = 'TO004', COLUMN = 'run';
    END IF;
    v_old := public.api_leg(v_first.run_id, v_first.board_position, v_first.alight_position);
    IF v_old.departs_at <= now() THEN
        RAISE EXCEPTION 'Train % has left; this booking can no longer be moved.',
            v_old.train_number USING ERRCODE = 'TO007';
    END IF;
    v_leg := public.api_leg(p_run, p_board, p_alight);
    IF (v_leg.board_station, v_leg.alight_station)
       IS DISTINCT FROM (v_old.board_station, v_old.alight_station) THEN
        RAISE EXCEPTION 'Train % on % does not run from % to % at those stops; choose a train '
                        'of the same journey.',
            v_leg.train_number, public.api_day_text(v_leg.service_date),
            (SELECT s.name FROM public.stations s WHERE s.id = v_old.board_station),
            (SELECT s.name FROM public.stations s WHERE s.id = v_old.alight_station)
            USING ERRCODE = 'TO004', COLUMN = 'run';
    END IF;
    PERFORM public.api_check_bookable(v_leg);

    PERFORM public.api_lock_free_seats(
        v_caller, v_leg.train_number, array_fill(v_leg.run_id, ARRAY[v_count]),
        array_fill(p_board, ARRAY[v_count]), array_fill(p_alight, ARRAY[v_count]), p_seats,
        '{}');

    -- In ticket id order, as the Python always listed them.
    SELECT jsonb_agg(jsonb_build_object(
               'ticket', t.id, 'passenger', t.passenger_name,
               'old_seat', public.api_seat_caption(ors.coach_no, ols.label),
               'new_seat', public.api_seat_caption(nrs.coach_no, nls.label),
               'seat', nrs.id, 'seat_class', nls.seat_class, 'paid', t.fare_cents,
               'new_fare', public.api_fare_cents(nls.seat_class, t.concession_code, NULL,
                                                 v_leg.distance_km, v_leg.service_date))
               ORDER BY t.id)
      INTO v_lines
      FROM unnest(p_tickets, p_seats) AS m(ticket, seat)
      JOIN public.tickets t ON t.id = m.ticket
      JOIN public.run_seats ors ON ors.id = t.run_seat_id
      JOIN public.layout_seats ols ON ols.id = ors.layout_seat_id
      JOIN public.run_seats nrs ON nrs.id = m.seat
      JOIN public.layout_seats nls ON nls.id = nrs.layout_seat_id;
    SELECT sum(greatest(0, l.new_fare - l.paid)) INTO v_due
      FROM jsonb_to_recordset(v_lines) AS l(paid integer, new_fare integer);

    PERFORM public.api_rewrite_tickets(v_lines, v_leg.run_id, p_board, p_alight);
    UPDATE public.bookings b SET run_id = v_leg.run_id, total_cents = b.total_cents + v_due
     WHERE b.id = v_booking.id;
    INSERT INTO public.audit_events (operator_id, kind, subject, details)
    VALUES (v_caller.operator_id, 'booking_move', v_booking.reference,
            jsonb_build_object(
                'old_run_id', v_old.run_id, 'new_run_id', v_leg.run_id, 'board', p_board,
                'alight', p_alight,
                'seats', (SELECT jsonb_object_agg(l.ticket::text,
                                                  jsonb_build_array(l.old_seat, l.new_seat))
                            FROM jsonb_to_recordset(v_lines)
                                 AS l(ticket bigint, old_seat text, new_seat text)),
                'due_cents', v_due, 'rule', public.api_change_rule()));

    v_result := jsonb_build_object(
        'saved', true, 'reference', v_booking.reference, 'old_run', v_old.run_id,
        'new_run', v_leg.run_id, 'train', v_leg.train_number, 'lines', v_lines,
        'runs', jsonb_build_array(v_old.run_id, v_leg.run_id));
    PERFORM public.api_finish_request(p_request, v_result);
    RETURN v_result;
END $$;
