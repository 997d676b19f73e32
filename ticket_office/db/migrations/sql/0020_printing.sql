-- Printing's audit through the database API, and one answer for a deactivated operator's
-- session (installed by revision 0020; issue 14 §2, §3).
--
-- 1. api_session: a session ended because its operator was deactivated answers "deactivated"
--    (TO002), not "session ended" (TO001), for every function; revision 0019's
--    api_change_caller did that for the changes alone.
-- 2. record_printing: the "print" or "reprint" audit event of a booking's tickets, written by
--    the server for the session's operator (desks may no longer INSERT INTO audit_events, where
--    they could name any operator). A booking printed before is a reprint, whatever the desk
--    says, so extra copies cannot pass as the first ones.

CREATE OR REPLACE FUNCTION api_session(p_token text) RETURNS api_caller
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
DECLARE
    v public.api_caller;
BEGIN
    SELECT s.id, o.id, o.role, o.home_station_id, s.client_id
      INTO v.session_id, v.operator_id, v.role, v.station_id, v.client_id
      FROM public.operator_sessions s JOIN public.operators o ON o.id = s.operator_id
     WHERE s.token_hash = sha256(convert_to(p_token, 'UTF8'))
       AND s.ended_at IS NULL AND s.expires_at > now();
    IF FOUND THEN
        RETURN v;
    END IF;
    IF EXISTS (SELECT 1 FROM public.operator_sessions s
                 JOIN public.operators o ON o.id = s.operator_id
                WHERE s.token_hash = sha256(convert_to(p_token, 'UTF8')) AND NOT o.active) THEN
        RAISE EXCEPTION 'This account has been deactivated. Please see a supervisor.'
            USING ERRCODE = 'TO002';
    END IF;
    RAISE EXCEPTION 'Your session has ended. Please sign in again.' USING ERRCODE = 'TO001';
END $$;

CREATE FUNCTION record_printing(
    p_token text, p_reference text, p_tickets bigint[], p_key smallint, p_reprint boolean
) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_caller public.api_caller := public.api_caller(p_token, 'sell');
    v_booking bigint;
    v_kind text;
BEGIN
    SELECT b.id INTO v_booking FROM public.bookings b WHERE b.reference = p_reference;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'No booking with reference %.',
            left(regexp_replace(coalesce(p_reference, ''), '[^0-9A-Za-z]', '', 'g'), 12)
            USING ERRCODE = 'TO006';
    END IF;
    IF p_tickets IS NULL OR cardinality(p_tickets) = 0 OR EXISTS (
           SELECT 1 FROM unnest(p_tickets) AS t(id)
            WHERE NOT EXISTS (SELECT 1 FROM public.tickets k
                               WHERE k.id = t.id AND k.booking_id = v_booking)) THEN
        RAISE EXCEPTION 'Those tickets are not all of booking %.', p_reference
            USING ERRCODE = 'TO004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.signing_keys k WHERE k.id = p_key AND k.active) THEN
        RAISE EXCEPTION 'Ticket key % is not an active key.', p_key USING ERRCODE = 'TO004';
    END IF;
    v_kind := CASE WHEN coalesce(p_reprint, false) OR EXISTS (
                       SELECT 1 FROM public.audit_events e
                        WHERE e.subject = p_reference AND e.kind IN ('print', 'reprint'))
                   THEN 'reprint' ELSE 'print' END;
    INSERT INTO public.audit_events (operator_id, kind, subject, details)
    VALUES (v_caller.operator_id, v_kind, p_reference,
            jsonb_build_object('tickets', to_jsonb(p_tickets), 'key_id', p_key));
    RETURN v_kind;
END $$;
