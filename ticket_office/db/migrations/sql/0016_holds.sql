-- Seat holds through the database API (installed by revision 0016; issue 14 §2, §3).
--
-- Desks wrote seat_holds themselves, so a desk could hold a seat until 'infinity' (no one
-- could sell it again) and delete other clerks' holds. Now a desk only reads seat_holds; it
-- holds with hold_seats and lets go with release_holds, both owned by ticket_office_api, and
-- whose holds they are comes from the session token (api_caller's client_id), never from an
-- argument:
--   * hold_seats does in one call what services/holds.set_holds did in nine round trips:
--     the leg checked; the touched run seats locked in id order, before any hold row is
--     deleted (a sale takes them in the same order, so no two wait in a circle); seats not on
--     the run, not for sale, sold or held by another client for an overlapping leg refused by
--     name, with nothing written; then this client's other holds on the run dropped, its own
--     and lapsed holds on these seats cleared, and the seats held. The server decides how
--     long: at most 300 s (p_seconds only shortens it, for tests).
--   * release_holds ends this session's holds, on one run or (NULL) on all; sign_out does too.
--   * clear_seat_holds is the sweep a sale and a booking change make under their seat locks:
--     the caller's own holds on those seats and lapsed holds of anyone, nothing else.
-- Whoever writes, a hold lapses within ten minutes of being written (holds_lapse_soon), and a
-- client id names one session only (uq_operator_sessions_client_id): a desk signing in under
-- another desk's client id, which it can read in seat_holds, would own that desk's holds.
--
-- This file is history: a change is a new file for a new revision.

-- Holds written before this revision that outlive the bound (the 'infinity' ones).
DELETE FROM seat_holds WHERE expires_at > now() + interval '10 minutes';

CREATE FUNCTION seat_holds_lapse_soon() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
BEGIN
    -- now() is the writing transaction's start: the bound can only be tighter than it says.
    IF NOT NEW.expires_at <= now() + interval '10 minutes' THEN
        RAISE EXCEPTION 'a seat hold lapses within 10 minutes of being written, not at %',
                        NEW.expires_at
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_seat_holds_lifetime';
    END IF;
    RETURN NEW;
END $$;

-- Named to fire before holds_respect_tickets (triggers fire in name order): a refused hold
-- takes no seat lock.
CREATE TRIGGER holds_lapse_soon BEFORE INSERT OR UPDATE ON seat_holds
    FOR EACH ROW EXECUTE FUNCTION seat_holds_lapse_soon();

-- Sessions opened so far with a client id another session had keep working under a new one.
UPDATE operator_sessions s SET client_id = left(s.client_id, 40) || '#' || s.id
 WHERE EXISTS (SELECT 1 FROM operator_sessions o
                WHERE o.client_id = s.client_id AND o.id < s.id);
ALTER TABLE operator_sessions
    ADD CONSTRAINT uq_operator_sessions_client_id UNIQUE (client_id);

-- The caller's session as a holder of seats: seat_holds.client_id holds 36 characters.
CREATE FUNCTION api_holder(p_token text, p_permission text) RETURNS api_caller
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    v public.api_caller := public.api_caller(p_token, p_permission);
BEGIN
    IF length(v.client_id) > 36 THEN
        RAISE EXCEPTION 'This desk signed in with a client id too long to hold seats.'
            USING ERRCODE = 'TO004';
    END IF;
    RETURN v;
END $$;

-- Ends a client's holds (on one run, or every run for NULL): the seats first, in id order.
CREATE FUNCTION api_release_holds(p_client text, p_run integer,
                                  OUT released integer, OUT runs integer[])
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM 1 FROM public.run_seats rs
     WHERE rs.id IN (SELECT h.run_seat_id FROM public.seat_holds h
                      WHERE h.client_id = p_client AND (p_run IS NULL OR h.run_id = p_run))
     ORDER BY rs.id
       FOR UPDATE;
    WITH gone AS (
        DELETE FROM public.seat_holds h
         WHERE h.client_id = p_client AND (p_run IS NULL OR h.run_id = p_run)
        RETURNING h.run_id
    )
    SELECT count(*), coalesce(array_agg(DISTINCT gone.run_id), '{}') INTO released, runs
      FROM gone;
END $$;

-- Outcomes (nothing is written but the request's record unless 'held'):
--   held          the seats are held until expires_at (NULL for no seats: all released)
--   no_leg        no such run, or it does not serve, pick up or set down at those stops
--   not_bookable  cancelled, departed from the origin, or sales not open yet
--   missing       problem_seats are not seats of this run (train_number names it)
--   taken         problem_seats (coach and label in seat_coaches, seat_labels: the seats not
--                 for sale first, then those sold or held by another, each in id order)
--   not_saved     the request id was given up by request_outcome
CREATE FUNCTION hold_seats(
    p_token text, p_request uuid, p_run integer, p_board integer, p_alight integer,
    p_seats bigint[], p_seconds integer DEFAULT NULL,
    OUT outcome text, OUT train_number text, OUT expires_at timestamptz,
    OUT problem_seats bigint[], OUT seat_coaches integer[], OUT seat_labels text[]
) LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c_longest CONSTANT integer := 300;  -- services.holds.DEFAULT_HOLD_SECONDS
    c_party CONSTANT integer := 9;      -- domain.seats.MAX_PARTY
    v_caller public.api_caller;
    v_prior jsonb;
    v_seats bigint[];
    v_dropped bigint[];
    v_found integer;
    v_served boolean;
    v_bookable boolean;
BEGIN
    v_caller := public.api_holder(p_token, 'sell');
    v_prior := public.api_claim_request(p_request, v_caller, 'hold');
    IF v_prior IS NOT NULL THEN
        SELECT coalesce(r.outcome, 'not_saved'), r.train_number, r.expires_at, r.problem_seats,
               r.seat_coaches, r.seat_labels
          INTO outcome, train_number, expires_at, problem_seats, seat_coaches, seat_labels
          FROM jsonb_to_record(v_prior) AS r(outcome text, train_number text,
               expires_at timestamptz, problem_seats bigint[], seat_coaches integer[],
               seat_labels text[]);
        RETURN;
    END IF;
    v_seats := ARRAY(SELECT DISTINCT s FROM unnest(p_seats) AS s ORDER BY s);
    IF p_run IS NULL OR p_board IS NULL OR p_alight IS NULL OR p_board < 0
       OR p_alight <= p_board OR p_seats IS NULL OR array_position(p_seats, NULL) IS NOT NULL
       OR cardinality(v_seats) <> cardinality(p_seats) OR cardinality(v_seats) > c_party THEN
        RAISE EXCEPTION 'Choose a train, its stops and up to 9 seats, each seat once.'
            USING ERRCODE = 'TO004';
    END IF;

    SELECT s.train_number, b.pick_up AND a.set_down,
           r.status = 'scheduled' AND b.departs_at > now() AND r.sales_open_at <= now()
      INTO train_number, v_served, v_bookable
      FROM public.runs r
      JOIN public.services s ON s.id = r.service_id
      LEFT JOIN public.run_stops b ON b.run_id = r.id AND b.position = p_board
      LEFT JOIN public.run_stops a ON a.run_id = r.id AND a.position = p_alight
     WHERE r.id = p_run;
    IF v_served IS NOT TRUE THEN
        outcome := 'no_leg';
    ELSIF cardinality(v_seats) > 0 AND v_bookable IS NOT TRUE THEN
        outcome := 'not_bookable';
    END IF;

    IF outcome IS NULL THEN
        v_dropped := ARRAY(SELECT h.run_seat_id FROM public.seat_holds h
                            WHERE h.client_id = v_caller.client_id AND h.run_id = p_run
                              AND h.run_seat_id <> ALL (v_seats));
        -- The seats, in id order, before any hold row is touched.
        SELECT count(*) FILTER (WHERE l.id = ANY (v_seats)) INTO v_found
          FROM (SELECT rs.id FROM public.run_seats rs
                 WHERE rs.run_id = p_run AND rs.id = ANY (v_seats || v_dropped)
                 ORDER BY rs.id
                   FOR UPDATE) AS l;
        IF v_found <> cardinality(v_seats) THEN
            outcome := 'missing';
            problem_seats := ARRAY(SELECT s FROM unnest(v_seats) AS s
                                    WHERE NOT EXISTS (SELECT 1 FROM public.run_seats rs
                                                       WHERE rs.id = s AND rs.run_id = p_run)
                                    ORDER BY s);
        END IF;
    END IF;

    IF outcome IS NULL AND cardinality(v_seats) > 0 THEN
        -- Read after the locks: whoever held them before us has committed.
        SELECT array_agg(p.id ORDER BY p.for_sale, p.id),
               array_agg(p.coach_no ORDER BY p.for_sale, p.id),
               array_agg(p.label ORDER BY p.for_sale, p.id)
          INTO problem_seats, seat_coaches, seat_labels
          FROM (SELECT rs.id, rs.coach_no::integer AS coach_no, ls.label, ls.for_sale
                  FROM public.run_seats rs
                  JOIN public.layout_seats ls ON ls.id = rs.layout_seat_id
                 WHERE rs.id = ANY (v_seats)
                   AND (NOT ls.for_sale OR EXISTS (
                        SELECT 1 FROM public.tickets t  -- on ix_tickets_active_seat
                         WHERE t.run_seat_id = rs.id AND t.status = 'active'
                           AND t.board_position < p_alight AND t.alight_position > p_board
                        UNION ALL
                        SELECT 1 FROM public.seat_holds h
                         WHERE h.run_id = p_run AND h.run_seat_id = rs.id
                           AND h.expires_at > now() AND h.client_id <> v_caller.client_id
                           AND h.stops && int4range(p_board, p_alight)))) AS p;
        IF problem_seats IS NOT NULL THEN
            outcome := 'taken';
        END IF;
    END IF;

    IF outcome IS NULL THEN
        -- This client's holds on the run's other seats, its own and anyone's lapsed holds on
        -- these: every row deleted is on a seat locked above.
        DELETE FROM public.seat_holds h
         WHERE h.run_id = p_run AND h.run_seat_id = ANY (v_seats || v_dropped)
           AND (h.client_id = v_caller.client_id
                OR (h.run_seat_id = ANY (v_seats) AND h.expires_at <= now()));
        IF cardinality(v_seats) > 0 THEN
            expires_at := now() + make_interval(
                secs => least(greatest(coalesce(p_seconds, c_longest), 1), c_longest));
            INSERT INTO public.seat_holds (run_id, run_seat_id, board_position, alight_position,
                                           operator_id, client_id, expires_at)
            SELECT p_run, s, p_board, p_alight, v_caller.operator_id, v_caller.client_id,
                   hold_seats.expires_at
              FROM unnest(v_seats) AS s;
        END IF;
        outcome := 'held';
    END IF;

    PERFORM public.api_finish_request(p_request, jsonb_build_object(
        'outcome', outcome, 'train_number', train_number, 'expires_at', expires_at,
        'problem_seats', problem_seats, 'seat_coaches', seat_coaches,
        'seat_labels', seat_labels));
END $$;

CREATE FUNCTION release_holds(p_token text, p_run integer,
                              OUT released integer, OUT runs integer[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    -- Any live session may let go of its own holds, a deactivated clerk's at sign-out too.
    v public.api_caller := public.api_session(p_token);
BEGIN
    SELECT r.released, r.runs INTO released, runs
      FROM public.api_release_holds(v.client_id, p_run) AS r;
END $$;

-- The sweep of a sale or a change, made under the seat locks it took: the caller's own holds
-- on these seats end, and lapsed holds of anyone. With no live session of an active operator
-- behind the token (none given, signed out, deactivated), only lapsed holds: a live hold then
-- still stops the tickets (tickets_respect_holds). Whether such a caller may sell or change at
-- all is not this sweep's to say.
CREATE FUNCTION clear_seat_holds(p_token text, p_run integer, p_seats bigint[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_client text;
BEGIN
    SELECT s.client_id INTO v_client
      FROM public.operator_sessions s JOIN public.operators o ON o.id = s.operator_id
     WHERE s.token_hash = sha256(convert_to(p_token, 'UTF8'))
       AND s.ended_at IS NULL AND s.expires_at > now() AND o.active;
    DELETE FROM public.seat_holds h
     WHERE h.run_id = p_run AND h.run_seat_id = ANY (p_seats)
       AND (h.client_id = v_client OR h.expires_at <= now());
END $$;

-- Signing out also ends the session's holds (the desk releases them first; this is for a
-- desk that did not), and tells every seat map, since no desk will.
CREATE OR REPLACE FUNCTION sign_out(p_token text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v public.api_caller := public.api_session(p_token);
    v_released integer;
    v_runs integer[];
BEGIN
    UPDATE public.operator_sessions SET ended_at = now() WHERE id = v.session_id;
    SELECT r.released, r.runs INTO v_released, v_runs
      FROM public.api_release_holds(v.client_id, NULL) AS r;
    IF v_released > 0 THEN
        -- services/seat_notices.py's payload with no origin: every desk reloads these runs.
        PERFORM pg_notify('seat_changes', array_to_string(v_runs, ','));
    END IF;
    INSERT INTO public.audit_events (operator_id, kind, subject)
    SELECT v.operator_id, 'logout', o.username FROM public.operators o WHERE o.id = v.operator_id;
END $$;
