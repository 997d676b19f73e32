-- Managing operator accounts through the database API (installed by revision 0014).
--
-- Desks may not write the operators table at all: with a counter's credential, UPDATE
-- operators made a clerk a supervisor, changed the supervisor's password and unlocked any
-- account. These functions act for a supervisor's session, or, given no token, for the schema's
-- owner itself (the command line on the database host). The actor is the session's operator
-- (NULL for the owner): it cannot be forged. A password arrives as a bcrypt hash made by the
-- client (cost 12 or more); the server keeps its salt and the sha256 of it (0014_sessions.sql).
--
-- Refusals: TO004 bad input, TO005 not allowed, TO006 no such operator.

-- The actor managing accounts: a supervisor's operator id, or NULL for the schema's owner.
CREATE FUNCTION api_account_manager(p_token text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF p_token IS NOT NULL THEN
        RETURN (public.api_caller(p_token, 'manage_operators')).operator_id;
    END IF;
    IF pg_has_role(session_user,
                   (SELECT c.relowner FROM pg_class c WHERE c.oid = 'public.operators'::regclass),
                   'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Managing operator accounts needs a supervisor''s sign-in, or the database '
                    'owner''s connection on the database host.' USING ERRCODE = 'TO005';
END $$;

CREATE FUNCTION api_checked_hash(p_hash text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF p_hash IS NULL OR p_hash !~ '^\$2[aby]\$(1[2-9]|[23][0-9])\$[./A-Za-z0-9]{53}$' THEN
        RAISE EXCEPTION 'The new password was not prepared correctly.' USING ERRCODE = 'TO004';
    END IF;
    RETURN p_hash;
END $$;

-- The operator's row, locked: NO KEY UPDATE, as signing in takes it.
CREATE FUNCTION api_locked_operator(p_username text) RETURNS integer
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    v_id integer;
BEGIN
    SELECT o.id INTO v_id FROM public.operators o WHERE o.username = p_username
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no operator called %.', left(p_username, 32)
            USING ERRCODE = 'TO006';
    END IF;
    RETURN v_id;
END $$;

CREATE FUNCTION create_operator(
    p_token text, p_username text, p_display_name text, p_role text, p_station_code text,
    p_hash text, p_must_change boolean
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor integer := public.api_account_manager(p_token);
    v_station integer;
    v_id integer;
BEGIN
    -- The same rules as domain.text_rules.username and display_name.
    IF p_username IS NULL OR p_username !~ '^[a-z][a-z0-9._-]{0,31}$' THEN
        RAISE EXCEPTION 'A username starts with a letter and uses only a-z, 0-9, dot, dash or '
                        'underscore (at most 32).' USING ERRCODE = 'TO004';
    END IF;
    IF p_display_name IS NULL OR btrim(p_display_name) = '' OR length(p_display_name) > 80
       OR p_display_name ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'Give a display name of at most 80 characters.' USING ERRCODE = 'TO004';
    END IF;
    IF p_role IS NULL OR p_role NOT IN ('clerk', 'conductor', 'supervisor') THEN
        RAISE EXCEPTION 'Role must be one of: clerk, conductor, supervisor'
            USING ERRCODE = 'TO004';
    END IF;
    IF p_station_code IS NOT NULL THEN
        SELECT s.id INTO v_station FROM public.stations s WHERE s.code = p_station_code;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'There is no station with code %.', left(p_station_code, 8)
                USING ERRCODE = 'TO006';
        END IF;
    END IF;
    INSERT INTO public.operators (username, display_name, role, home_station_id,
                                  password_salt, password_verifier, must_change_password)
    VALUES (p_username, p_display_name, p_role, v_station, left(public.api_checked_hash(p_hash), 29),
            sha256(convert_to(p_hash, 'UTF8')), coalesce(p_must_change, true))
    ON CONFLICT (username) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'The username % is taken.', p_username USING ERRCODE = 'TO004';
    END IF;
    -- A name that failed to sign in before it existed starts with a clean slate.
    DELETE FROM public.sign_in_strangers WHERE username = p_username;
    INSERT INTO public.audit_events (operator_id, kind, subject, details)
    VALUES (v_actor, 'operator_created', p_username, jsonb_build_object('role', p_role));
    RETURN v_id;
END $$;

-- A temporary password, to be changed at the next sign-in; the operator's sessions end.
CREATE FUNCTION reset_password(p_token text, p_username text, p_hash text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor integer := public.api_account_manager(p_token);
    v_id integer := public.api_locked_operator(p_username);
BEGIN
    UPDATE public.operators
       SET password_salt = left(public.api_checked_hash(p_hash), 29),
           password_verifier = sha256(convert_to(p_hash, 'UTF8')),
           must_change_password = true, failed_logins = 0, locked_until = NULL
     WHERE id = v_id;
    UPDATE public.operator_sessions SET ended_at = now()
     WHERE operator_id = v_id AND ended_at IS NULL;
    INSERT INTO public.audit_events (operator_id, kind, subject)
    VALUES (v_actor, 'password_reset', p_username);
END $$;

-- Deactivating ends the operator's sessions; reactivating lets them sign in again.
CREATE FUNCTION set_operator_active(p_token text, p_username text, p_active boolean)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor integer := public.api_account_manager(p_token);
    v_id integer := public.api_locked_operator(p_username);
BEGIN
    IF p_active IS NULL THEN
        RAISE EXCEPTION 'Say whether the account is to be active.' USING ERRCODE = 'TO004';
    END IF;
    UPDATE public.operators SET active = p_active WHERE id = v_id;
    IF NOT p_active THEN
        UPDATE public.operator_sessions SET ended_at = now()
         WHERE operator_id = v_id AND ended_at IS NULL;
    END IF;
    INSERT INTO public.audit_events (operator_id, kind, subject)
    VALUES (v_actor, CASE WHEN p_active THEN 'operator_reactivated'
                          ELSE 'operator_deactivated' END, p_username);
END $$;

CREATE FUNCTION unlock_operator(p_token text, p_username text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor integer := public.api_account_manager(p_token);
    v_id integer := public.api_locked_operator(p_username);
BEGIN
    UPDATE public.operators SET failed_logins = 0, locked_until = NULL WHERE id = v_id;
    INSERT INTO public.audit_events (operator_id, kind, subject)
    VALUES (v_actor, 'operator_unlocked', p_username);
END $$;
