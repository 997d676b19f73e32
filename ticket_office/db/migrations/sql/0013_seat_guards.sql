-- Revision 0013 installs this: the schema's trigger functions with a fixed search_path, every
-- table named with its schema, and two checks more (issue 14 §1).
--
-- PostgreSQL looks up an unqualified table in pg_temp first, so a desk's TEMP TABLE run_seats
-- "moving" a sold seat onto another run fooled the old guards into a second sale. Each
-- function below runs with search_path = public, pg_temp (pg_temp last, as PostgreSQL's
-- manual advises) and names its tables public.*; revision 0013 pins the functions that read
-- no table with ALTER FUNCTION. New checks:
--   * a ticket's or a hold's leg lies within its run's stops (0 to 32767 was accepted);
--   * a run seat is a seat of the layout its service runs as that coach, so with
--     uq_run_seats_seat (run, coach, layout seat) and uq_layout_seats_layout_label a run's
--     coach 4 has one seat 1 only (a second "coach 4 seat 1" from another layout was sold).
-- History, never edited: a later change is a new file for a new revision.
CREATE OR REPLACE FUNCTION tickets_respect_holds() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM public.run_stops s
         WHERE s.run_id = NEW.run_id
           AND s.position IN (NEW.board_position, NEW.alight_position)) <> 2 THEN
        RAISE EXCEPTION 'stops % to % are not a leg of run %',
                        NEW.board_position, NEW.alight_position, NEW.run_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_tickets_segment';
    END IF;
    IF NEW.status <> 'active' THEN RETURN NEW; END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'tickets and seat holds are written at READ COMMITTED isolation'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'At a stricter level the check for a conflicting hold or ticket '
                         'reads an older snapshot.';
    END IF;
    PERFORM 1 FROM public.run_seats rs
     WHERE rs.id = NEW.run_seat_id AND rs.run_id = NEW.run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % is not on run %', NEW.run_seat_id, NEW.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM public.seat_holds h
               WHERE h.run_id = NEW.run_id AND h.run_seat_id = NEW.run_seat_id
                 AND h.stops && int4range(NEW.board_position, NEW.alight_position)
                 AND h.expires_at > now()) THEN
        RAISE EXCEPTION 'seat % is held for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_tickets_no_double_sale';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION holds_respect_tickets() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM public.run_stops s
         WHERE s.run_id = NEW.run_id
           AND s.position IN (NEW.board_position, NEW.alight_position)) <> 2 THEN
        RAISE EXCEPTION 'stops % to % are not a leg of run %',
                        NEW.board_position, NEW.alight_position, NEW.run_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_seat_holds_segment';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'tickets and seat holds are written at READ COMMITTED isolation'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'At a stricter level the check for a conflicting hold or ticket '
                         'reads an older snapshot.';
    END IF;
    PERFORM 1 FROM public.run_seats rs
     WHERE rs.id = NEW.run_seat_id AND rs.run_id = NEW.run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % is not on run %', NEW.run_seat_id, NEW.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM public.tickets t
               WHERE t.run_seat_id = NEW.run_seat_id AND t.status = 'active'
                 AND t.board_position < NEW.alight_position
                 AND t.alight_position > NEW.board_position) THEN
        RAISE EXCEPTION 'seat % is sold for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_seat_holds_no_double_hold';
    END IF;
    RETURN NEW;
END $$;

-- Once per statement over the rows it wrote: generating a month of runs writes hundreds of
-- thousands of run seats in one INSERT.
CREATE OR REPLACE FUNCTION run_seats_match_their_coach() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
DECLARE
    v_stray bigint;
BEGIN
    SELECT w.id INTO v_stray
      FROM written w
      JOIN public.runs r ON r.id = w.run_id
      LEFT JOIN public.service_coaches sc
        ON sc.service_id = r.service_id AND sc.coach_no = w.coach_no
      LEFT JOIN public.layout_seats ls ON ls.id = w.layout_seat_id AND ls.layout_id = sc.layout_id
     WHERE ls.id IS NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'run seat % is not a seat of its coach''s layout', v_stray
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER run_seats_match_their_coach_on_insert AFTER INSERT ON run_seats
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION run_seats_match_their_coach();
CREATE OR REPLACE TRIGGER run_seats_match_their_coach_on_update AFTER UPDATE ON run_seats
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION run_seats_match_their_coach();

CREATE OR REPLACE FUNCTION bump_fare_revision() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE public.fare_revision SET revision = revision + 1;
    RETURN NULL;
END $$;

-- These two read no table; pinned all the same, so every function of the schema is.
ALTER FUNCTION audit_events_append_only() SET search_path = public, pg_temp;
ALTER FUNCTION run_seats_stay_on_their_run() SET search_path = public, pg_temp;
