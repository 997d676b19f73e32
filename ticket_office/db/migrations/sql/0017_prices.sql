-- Revision 0017 installs this: the server's own prices (issue 14 §3). Each function computes
-- what the Python code computes today, so the write functions can price a sale, a change and
-- a refund themselves instead of taking the client's numbers:
--   api_concession_code  FareTable.concession's lookup key (services/pricing.py)
--   api_fare_cents       FareTable.concession + FareTable.fare (domain/fares.py fare_for)
--   api_distance_km      sale_facts.RunStops.distance (services/sale_facts.py)
--   api_refund           domain/refunds.py quote_refund
-- tests/integration/test_server_prices.py compares each with its Python counterpart.
--
-- Money is integer cents, rounded as Python's Decimal ROUND_HALF_UP does: half away from zero,
-- which is PostgreSQL's round(numeric) (round(float8) rounds half to even: never used here).
-- Refusals a clerk should read are SQLSTATE TO004 (ValidationError) with Python's message;
-- COLUMN names the field where Python's ValidationError names one.
--
-- The text is ASCII: characters beyond it are built at run time (chr) or matched as regex
-- escapes (\uXXXX), so the file installs on a database of any encoding.
-- History, never edited: a later change is a new file for a new revision.

-- The code Python looks a concession up by: code.strip().lower().
-- str.strip() removes what str.isspace() calls white space, listed here, at both ends.
-- str.lower() is Unicode's full lower-case mapping. ASCII letters are lowered by translate(),
-- the same under every locale (lower() under a Turkish one makes I a dotless i). Two
-- characters are spelled out: the Kelvin sign, whose lower case is an ASCII k (a C collation's
-- lower() leaves it), and the capital I with dot above, whose lower case is two characters, i
-- and a combining dot above (lower() gives one). Anything else goes to lower() under the
-- database's collation, which agrees with Python wherever their Unicode tables agree.
CREATE FUNCTION public.api_concession_code(p_text text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp AS $$
DECLARE
    v_code text := regexp_replace(
        p_text,
        '^[\t\n\u000b\f\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+'
        '|[\t\n\u000b\f\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$',
        '', 'g');
BEGIN
    v_code := translate(v_code, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
    IF v_code ~ '[^\u0001-\u007f]' THEN
        IF v_code ~ '\u212a' THEN
            v_code := replace(v_code, chr(8490), 'k');
        END IF;
        IF v_code ~ '\u0130' THEN
            v_code := replace(v_code, chr(304), 'i' || chr(775));
        END IF;
        v_code := lower(v_code);
    END IF;
    RETURN v_code;
END $$;

-- The fare of one passenger: the rate of `p_seat_class` in force on `p_travel_date` (the latest
-- valid_from on or before it; the run's service date, as the sale and the changes price it),
-- for `p_distance_km`, then the concession's discount. `p_position` is the passenger's place
-- in the party (1-based) or NULL; no rule depends on it, only the message naming who has an
-- unknown concession does. The checks come in Python's order: concession, class, distance.
CREATE FUNCTION public.api_fare_cents(
    p_seat_class text, p_concession text, p_position integer, p_distance_km numeric,
    p_travel_date date
) RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = public, pg_temp AS $$
DECLARE
    v_discount integer;
    v_base integer;
    v_per_km numeric;
    v_minimum integer;
    v_shown text;
    v_full numeric;
BEGIN
    SELECT c.discount_percent INTO v_discount
      FROM public.concessions c WHERE c.code = public.api_concession_code(coalesce(p_concession, ''));
    IF NOT FOUND THEN
        -- text_rules.quoted shows at most 20 characters of the input and none that could hide
        -- or reorder the message; Unicode's categories are out of SQL's reach, so this shows
        -- printable ASCII only (the same text as Python's for an input of printable ASCII).
        v_shown := regexp_replace(coalesce(p_concession, ''), '[^ -~]', '', 'g');
        IF length(v_shown) > 20 THEN
            v_shown := left(v_shown, 19) || chr(8230);
        END IF;
        RAISE EXCEPTION '%', 'Unknown concession ' || chr(8220) || v_shown || chr(8221)
            || CASE WHEN p_position <> 0 THEN ' for passenger ' || p_position ELSE '' END
            || '. Choose one of: '
            || coalesce((SELECT string_agg(c.code, ', ' ORDER BY c.sort_order, c.code)
                           FROM public.concessions c), '')
            USING ERRCODE = 'TO004', COLUMN = 'concession';
    END IF;

    -- domain.fares.SeatClass: the classes a seat, a ticket and the Python fare table know.
    IF p_seat_class IS NULL OR p_seat_class NOT IN ('first', 'standard') THEN
        RAISE EXCEPTION '%', 'There is no seat class '
            || chr(8220) || regexp_replace(coalesce(p_seat_class, ''), '[^ -~]', '', 'g')
            || chr(8221) || '.'
            USING ERRCODE = 'TO004', COLUMN = 'seat_class';
    END IF;
    SELECT r.base_cents, r.cents_per_km, r.minimum_cents INTO v_base, v_per_km, v_minimum
      FROM public.fare_rates r
     WHERE r.seat_class = p_seat_class AND r.valid_from <= p_travel_date
     ORDER BY r.valid_from DESC
     LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'No % fare is set for this date.', p_seat_class USING ERRCODE = 'TO004';
    END IF;

    IF (p_distance_km > 0) IS NOT TRUE THEN
        RAISE EXCEPTION 'A journey must cover some distance.' USING ERRCODE = 'TO004';
    END IF;
    -- FareRate.full_fare: whole ten cents (round(x, -1)), never below the minimum.
    v_full := greatest(v_minimum, round(v_base + v_per_km * p_distance_km, -1));
    -- Concession.apply: the discounted fare, rounded to the cent.
    RETURN round(v_full * (100 - v_discount) / 100);
END $$;

-- The distance priced for boarding at stop position `p_board` and alighting at `p_alight`:
-- NULL wherever RunStops.distance refuses the leg (a stop not on the run, the stops reversed
-- or equal, no pick-up at the origin, no set-down at the destination).
CREATE FUNCTION public.api_distance_km(p_run integer, p_board integer, p_alight integer)
RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = public, pg_temp AS $$
    SELECT a.distance_km - b.distance_km
      FROM public.run_stops b
      JOIN public.run_stops a ON a.run_id = b.run_id AND a.position = p_alight
     WHERE b.run_id = p_run AND b.position = p_board AND p_board < p_alight
       AND b.pick_up AND a.set_down
$$;

-- domain.refunds.quote_refund: a full refund up to 24 hours before departure, then a fee of
-- 20% (at least 200 cents, never more than the fare), nothing once the train has left.
-- The 24 hours are elapsed time (timestamptz subtraction), whatever the zones or a clock change.
CREATE FUNCTION public.api_refund(p_fare_cents integer, p_departs_at timestamptz,
                                  p_now timestamptz)
RETURNS TABLE (fee_cents integer, refund_cents integer, reason text)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = public, pg_temp AS $$
    SELECT q.fee, p_fare_cents - q.fee, q.reason
      FROM (SELECT CASE
                       WHEN p_now >= p_departs_at THEN p_fare_cents
                       WHEN p_departs_at - p_now >= interval '24 hours' THEN 0
                       ELSE least(p_fare_cents,
                                  greatest(200, round(p_fare_cents::numeric * 20 / 100)::integer))
                   END,
                   CASE
                       WHEN p_now >= p_departs_at THEN 'The train has left: no refund.'
                       WHEN p_departs_at - p_now >= interval '24 hours'
                           THEN 'More than 24 h before departure: full refund.'
                       ELSE 'Less than 24 h before departure: 20% fee.'
                   END) AS q (fee, reason)
$$;
