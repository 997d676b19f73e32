-- Revision 0008 installs this (and revision 0009's downgrade restores it): revision 0006's
-- cross-table guards, holds_respect_tickets asking the B-tree ix_tickets_active_seat for an
-- overlapping ticket instead of the exclusion constraint's GiST. Written out whole so no
-- revision edits another's text; history, never edited: a later change is a new file for a
-- new revision.
CREATE OR REPLACE FUNCTION tickets_respect_holds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'active' THEN RETURN NEW; END IF;
    PERFORM 1 FROM run_seats WHERE id = NEW.run_seat_id AND run_id = NEW.run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % is not on run %', NEW.run_seat_id, NEW.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM seat_holds h
               WHERE h.run_id = NEW.run_id AND h.run_seat_id = NEW.run_seat_id
                 AND h.stops && int4range(NEW.board_position, NEW.alight_position)
                 AND h.expires_at > now()) THEN
        RAISE EXCEPTION 'seat % is held for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_tickets_no_double_sale';
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER tickets_respect_holds BEFORE INSERT OR UPDATE OF status, board_position,
    alight_position, run_seat_id, run_id ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_respect_holds();

CREATE OR REPLACE FUNCTION holds_respect_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM run_seats WHERE id = NEW.run_seat_id AND run_id = NEW.run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % is not on run %', NEW.run_seat_id, NEW.run_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM tickets t
               WHERE t.run_seat_id = NEW.run_seat_id AND t.status = 'active'
                 AND t.board_position < NEW.alight_position
                 AND t.alight_position > NEW.board_position) THEN
        RAISE EXCEPTION 'seat % is sold for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_seat_holds_no_double_hold';
    END IF;
    RETURN NEW;
END $$;
