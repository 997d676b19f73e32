-- sell_seats: one sale, all or nothing, in one statement, for the session a token names
-- (installed by revision 0021; issue 14 §2-§4).
--
-- Revision 0016's sale as a function of the database API (migrations/sql/0014_sessions.sql):
-- SECURITY DEFINER, owned by ticket_office_api, so a desk needs no INSERT on bookings, tickets
-- or audit events to sell, and nothing a desk sends decides who sold, where, or at what price.
--   * The seller, the station and the desk's client id come from the session (api_caller); the
--     document names none of them, and the audit event names the session's operator. The
--     sweep of the seller's holds is clear_seat_holds' (0016_holds.sql), written out with the
--     client id the session gave (that function would look the session up again).
--   * The server prices each passenger itself (api_fare_cents, 0017_prices.sql): the seat's
--     class, the run's distance for the leg, the fares in force on the run's service date.
--     The fares the document gives are the quote the clerk showed: the sale goes through only
--     if each is the server's. Otherwise nothing is written and the answer is 'stale' with the
--     server's fares, for the desk to show before the clerk confirms again (services/booking.py
--     never charges a total the screen did not show). A fare of 0, or none, is never sold.
--   * Cash given is checked against the server's total.
--   * The request id is claimed first, as api_claim_request claims one: an INSERT that waits
--     for a transaction still writing the same id, so the same id sent again is answered from
--     its record (api_claim_request reads it) and never sells twice, and after a lost reply
--     request_outcome tells on another connection whether the sale was saved. The claim
--     carries the answer of a sale that goes through (its booking id drawn at once), which the
--     transaction commits only if it did; a refusal replaces it (api_finish_request). Claiming
--     with a NULL answer and recording it at the end cost each sale an UPDATE of the claim:
--     4 % of the sale's instructions (bench/sale_instructions.py).
-- The lock order, the checks read after the locks and the one statement that writes the
-- booking, its tickets and the audit event are 0016's (0013's); 0012_sell_seats.sql says why.
--
-- The document (services/booking.py, _sale_document):
--   run, board, alight          the run and the leg's stop positions
--   method, card_reference, cash_given, reference      the payment and the booking reference
--   party                       [{seat, name, concession, fare}], one per passenger
--
-- The answer, also recorded under the request id (a refused sale writes nothing but that):
--   sold          {"saved": true, "booking_id", "reference", "runs": [run]}
--   stale         the run or the leg is not what the desk priced (no "fares"), or a fare is
--                 not the server's: "fares" [{seat, seat_class, concession, fare}] in party
--                 order and "total_cents" are the server's prices
--   not_bookable  the run is cancelled, departed or not yet on sale
--   missing       a seat is not on this run
--   unsellable    problem_seats are not for sale
--   taken         problem_seats are sold, or held by another desk, for an overlapping leg
-- each as {"saved": ..., "outcome": ...}; {"saved": false} alone is an id that request_outcome
-- gave up after a lost reply.
-- Errors: TO001-TO003 from api_caller (no live session, a deactivated account: also when it
-- was deactivated while the sale waited for its seats, a role that may not sell); TO004 for
-- no request id, short cash, an unknown concession or a fare that is not set;
-- invalid_parameter_value for a malformed party; unique_violation when the booking reference
-- is in use (the desk draws another). An error writes nothing, the request's record included.
--
-- The party limit (1 to 9) is domain.seats.MAX_PARTY; tests/integration/test_sell_seats_sql.py
-- keeps the two equal.
--
-- This file is history: a change to the function is a new file named after a new revision,
-- which installs it, and tests/integration/test_sell_seats_sql.py checks that the latest such
-- file is what the head revision leaves installed.
CREATE OR REPLACE FUNCTION sell_seats(p_token text, p_request uuid, p_sale jsonb)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET plan_cache_mode = force_generic_plan
SET search_path = public, pg_temp AS $$
DECLARE
    v_caller public.api_caller;
    v_run integer;
    v_board integer;
    v_alight integer;
    v_party integer;
    v_seats bigint[];         -- each seat once, as locked
    v_party_seats bigint[];   -- this and the arrays below: one entry per passenger, in order
    v_names text[];
    v_classes text[];
    v_codes text[];
    v_fares integer[];
    v_captions text[];
    v_quoted boolean;
    v_total integer;
    v_day date;
    v_distance numeric;
    v_bookable boolean;
    v_seller_active boolean;
    v_found integer;
    v_problem_seats bigint[];
    v_outcome text;
    v_booking bigint;
    v_result jsonb;
BEGIN
    v_caller := public.api_caller(p_token, 'sell');
    v_run := (p_sale->>'run')::integer;
    -- The claim, as api_claim_request's, carrying the answer of a sale that goes through.
    IF p_request IS NOT NULL THEN
        v_booking := nextval('public.bookings_id_seq'::regclass);
        v_result := jsonb_build_object('saved', true, 'outcome', 'sold', 'booking_id', v_booking,
                                       'reference', p_sale->>'reference',
                                       'runs', jsonb_build_array(v_run));
        INSERT INTO public.api_requests (id, operator_id, kind, result)
        VALUES (p_request, v_caller.operator_id, 'sale', v_result)
        ON CONFLICT (id) DO NOTHING;
    END IF;
    IF p_request IS NULL OR NOT FOUND THEN  -- no id (refused), or one seen before: its answer
        RETURN public.api_claim_request(p_request, v_caller, 'sale');
    END IF;

    v_board := (p_sale->>'board')::integer;
    v_alight := (p_sale->>'alight')::integer;
    v_party := jsonb_array_length(p_sale->'party');
    -- The seats come from the party alone: one list, each seat once (revision 0009).
    SELECT array_agg((e.doc->>'seat')::bigint ORDER BY e.n),
           array_agg(e.doc->>'name' ORDER BY e.n), array_agg(DISTINCT (e.doc->>'seat')::bigint)
      INTO v_party_seats, v_names, v_seats
      FROM jsonb_array_elements(p_sale->'party') WITH ORDINALITY AS e(doc, n);
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

    -- The run, the leg and the seller, read after the locks. The leg's distance is NULL where
    -- the run does not serve the leg, as api_distance_km's (0017_prices.sql; written out here,
    -- where the stops are read anyway: the call cost as much as a tenth of the pricing). A
    -- NULL is a failed check, never a passed one, hence IS NOT TRUE below (revision 0009).
    SELECT r.status = 'scheduled' AND b.departs_at > now() AND r.sales_open_at <= now(),
           r.service_date,
           (SELECT a.distance_km - b.distance_km FROM public.run_stops a
             WHERE a.run_id = r.id AND a.position = v_alight AND v_board < v_alight
               AND b.pick_up AND a.set_down),
           (SELECT o.active FROM public.operators o WHERE o.id = v_caller.operator_id)
      INTO v_bookable, v_day, v_distance, v_seller_active
      FROM public.runs r
      JOIN public.run_stops b ON b.run_id = r.id AND b.position = v_board
     WHERE r.id = v_run;
    IF FOUND AND v_seller_active IS NOT TRUE THEN
        RAISE EXCEPTION 'This account has been deactivated. Please see a supervisor.'
            USING ERRCODE = 'TO002';
    END IF;

    <<checks>>
    BEGIN
        IF NOT FOUND OR v_distance IS NULL THEN
            v_outcome := 'stale'; EXIT checks;
        END IF;
        IF v_bookable IS NOT TRUE THEN
            v_outcome := 'not_bookable'; EXIT checks;
        END IF;
        IF v_found <> cardinality(v_seats) THEN
            v_outcome := 'missing'; EXIT checks;
        END IF;

        -- Each passenger as the server sells them: the seat's class (the layout's, whatever
        -- the desk cached), the server's fare, and the seats not for sale. The concession is
        -- the document's code, which api_fare_cents refuses unless it names one (and the
        -- ticket's foreign key unless it is written as the concession's own code). OFFSET 0
        -- keeps the subquery whole, so each fare is computed once.
        SELECT array_agg(p.seat_class ORDER BY p.n), array_agg(p.code ORDER BY p.n),
               array_agg(p.fare ORDER BY p.n), array_agg(p.caption ORDER BY p.n),
               sum(p.fare), bool_and(p.quoted IS NOT DISTINCT FROM p.fare),
               array_agg(p.seat ORDER BY p.seat) FILTER (WHERE NOT p.for_sale)
          INTO v_classes, v_codes, v_fares, v_captions, v_total, v_quoted, v_problem_seats
          FROM (SELECT e.n, rs.id AS seat, ls.seat_class, ls.for_sale,
                       'coach ' || rs.coach_no || ' seat ' || ls.label AS caption,
                       e.doc->>'concession' AS code,
                       public.api_fare_cents(ls.seat_class, e.doc->>'concession', e.n::integer,
                                             v_distance, v_day) AS fare,
                       (e.doc->>'fare')::integer AS quoted
                  FROM jsonb_array_elements(p_sale->'party') WITH ORDINALITY AS e(doc, n)
                  JOIN public.run_seats rs
                    ON rs.id = (e.doc->>'seat')::bigint AND rs.run_id = v_run
                  JOIN public.layout_seats ls ON ls.id = rs.layout_seat_id
                OFFSET 0) AS p;
        IF v_problem_seats IS NOT NULL THEN
            v_outcome := 'unsellable'; EXIT checks;
        END IF;

        -- An active ticket, or another desk's live hold, over the leg on any chosen seat. One
        -- LATERAL probe per seat, so the plan is an index lookup per seat whatever the
        -- statistics say (revision 0004); tickets are asked of the B-tree
        -- ix_tickets_active_seat, a run seat's id naming its run already (revision 0008).
        SELECT array_agg(s.seat ORDER BY s.seat) INTO v_problem_seats
          FROM unnest(v_seats) AS s(seat)
         CROSS JOIN LATERAL (
                SELECT 1 FROM public.tickets t
                 WHERE t.run_seat_id = s.seat AND t.status = 'active'
                   AND t.board_position < v_alight AND t.alight_position > v_board
                UNION ALL
                SELECT 1 FROM public.seat_holds h
                 WHERE h.run_id = v_run AND h.run_seat_id = s.seat AND h.expires_at > now()
                   AND h.client_id <> v_caller.client_id
                   AND h.stops && int4range(v_board, v_alight)
                LIMIT 1) AS conflict;
        IF v_problem_seats IS NOT NULL THEN
            v_outcome := 'taken'; EXIT checks;
        END IF;

        -- The price the clerk showed is the server's, or nothing is sold.
        IF v_quoted IS NOT TRUE THEN
            v_outcome := 'stale'; EXIT checks;
        END IF;
        -- Cash short of the total, or no amount at all, is refused (revisions 0009 and 0011).
        IF p_sale->>'method' = 'cash'
           AND ((p_sale->>'cash_given')::integer < v_total) IS NOT FALSE THEN
            RAISE EXCEPTION 'The cash given is less than the total.'
                USING ERRCODE = 'TO004', COLUMN = 'cash_given';
        END IF;

        -- The seller's own holds end with the sale; lapsed holds of anyone are swept while we
        -- hold the seat locks (no cleanup job needed). Before the tickets: their trigger
        -- refuses a ticket over any live hold.
        DELETE FROM public.seat_holds h
         WHERE h.run_id = v_run AND h.run_seat_id = ANY (v_seats)
           AND (h.client_id = v_caller.client_id OR h.expires_at <= now());

        -- The booking, its tickets and the audit event in one statement (revision 0005): the
        -- tickets' foreign-key checks run at its end and see the booking. A reference in use
        -- raises unique_violation and rolls the whole sale back, swept holds included.
        WITH booking AS (
            INSERT INTO public.bookings (id, reference, run_id, operator_id, station_id,
                                         total_cents, payment_method, payment_reference,
                                         cash_given_cents)
            VALUES (v_booking, p_sale->>'reference', v_run, v_caller.operator_id,
                    v_caller.station_id,
                    v_total, p_sale->>'method', p_sale->>'card_reference',
                    (p_sale->>'cash_given')::integer)
            RETURNING id
        ), sold AS (
            INSERT INTO public.tickets (booking_id, run_id, run_seat_id, board_position,
                                        alight_position, passenger_name, concession_code,
                                        seat_class, fare_cents)
            SELECT booking.id, v_run, t.seat, v_board, v_alight, t.name, t.code, t.seat_class,
                   t.fare
              FROM booking, unnest(v_party_seats, v_names, v_codes, v_classes, v_fares)
                   AS t(seat, name, code, seat_class, fare)
        ), audited AS (
            INSERT INTO public.audit_events (operator_id, kind, subject, details)
            VALUES (v_caller.operator_id, 'booking', p_sale->>'reference',
                    jsonb_build_object('run_id', v_run, 'seats', to_jsonb(v_captions),
                                       'total_cents', v_total, 'board', v_board,
                                       'alight', v_alight, 'reference', p_sale->>'reference'))
        )
        SELECT id INTO v_booking FROM booking;
        v_outcome := 'sold';
    END;

    IF v_outcome = 'sold' THEN
        RETURN v_result;  -- as claimed
    ELSIF v_outcome IN ('unsellable', 'taken') THEN
        v_result := jsonb_build_object('saved', false, 'outcome', v_outcome,
                                       'problem_seats', v_problem_seats);
    ELSIF v_outcome = 'stale' AND v_fares IS NOT NULL THEN
        v_result := jsonb_build_object('saved', false, 'outcome', v_outcome,
                                       'total_cents', v_total, 'fares', (
            SELECT jsonb_agg(jsonb_build_object('seat', f.seat, 'seat_class', f.seat_class,
                                                'concession', f.code, 'fare', f.fare)
                             ORDER BY f.n)
              FROM unnest(v_party_seats, v_classes, v_codes, v_fares)
                   WITH ORDINALITY AS f(seat, seat_class, code, fare, n)));
    ELSE
        v_result := jsonb_build_object('saved', false, 'outcome', v_outcome);
    END IF;
    PERFORM public.api_finish_request(p_request, v_result);
    RETURN v_result;
END $$;
