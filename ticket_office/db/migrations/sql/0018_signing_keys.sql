-- Ticket-signing keys through the database API (installed by revision 0018; issue 14 §2).
--
-- With a counter's database credential, INSERT INTO signing_keys added a key of the attacker's
-- own: conductors were handed its public half, so tickets the attacker signed verified, and
-- every desk's printing failed, because the newest key was one no desk could open. Desks now
-- hold no INSERT on signing_keys (db/desk_access.py); a key is added only by add_signing_key,
-- for a supervisor's session or for the schema's owner on its own connection, and the key
-- records which of the two made it.
--
-- Keys from before this revision were made by whichever desk printed first: nothing tells one
-- made by the app from one written by hand, except that the app always sealed its private half
-- (32 raw bytes under AES-256-GCM: 'TOK1', a 12-byte nonce, 48 bytes of ciphertext and tag). A
-- key of any other shape never signed a ticket, so it is deactivated here; the others are kept
-- (tickets signed with them are still travelling), marked 'legacy_desk'.
--
-- Refusals: TO004 bad input, TO005 not allowed (as in 0014_operator_accounts.sql).
--
-- This file is history: a change is a new file for a new revision.

ALTER TABLE signing_keys
    ADD COLUMN created_by integer,
    ADD COLUMN created_as text,
    ADD CONSTRAINT fk_signing_keys_created_by_operators FOREIGN KEY (created_by)
        REFERENCES operators (id);

UPDATE signing_keys SET created_as = 'legacy_desk';

WITH unsealed AS (
    UPDATE signing_keys SET active = false
     WHERE active
       AND NOT (length(public_key) = 32 AND length(private_key) = 64
                AND substring(private_key FOR 4) = '\x544f4b31'::bytea)
    RETURNING id
)
INSERT INTO audit_events (operator_id, kind, subject, details)
SELECT NULL, 'signing_key_deactivated', 'key ' || id,
       '{"reason": "not sealed as the app seals keys (revision 0018)"}'::jsonb
  FROM unsealed;

ALTER TABLE signing_keys
    ALTER COLUMN created_as SET NOT NULL,
    ADD CONSTRAINT ck_signing_keys_created_as
        CHECK (created_as IN ('owner', 'supervisor', 'legacy_desk')),
    ADD CONSTRAINT ck_signing_keys_supervisor_named
        CHECK ((created_as = 'supervisor') = (created_by IS NOT NULL));

-- Who manages what only supervisors and the schema's owner may: the supervisor's operator id
-- for a session whose role has p_permission, or NULL when no token is given on the connection
-- of the schema's owner itself (session_user: a SECURITY DEFINER function does not change it).
CREATE FUNCTION api_manager(p_token text, p_permission text) RETURNS integer
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    IF p_token IS NOT NULL THEN
        RETURN (public.api_caller(p_token, p_permission)).operator_id;
    END IF;
    IF pg_has_role(session_user,
                   (SELECT c.relowner FROM pg_class c
                     WHERE c.oid = 'public.audit_events'::regclass),
                   'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'This needs a supervisor''s sign-in, or the database owner''s connection '
                    'on the database host.' USING ERRCODE = 'TO005';
END $$;

-- A new key pair, made and sealed by the caller's machine (services/ticket_signing.py): desks
-- sign with the newest active key they can open from now on. Its id, for the audit trail and
-- the QR codes.
CREATE FUNCTION add_signing_key(p_token text, p_public bytea, p_sealed_private bytea)
RETURNS smallint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_actor integer := public.api_manager(p_token, 'manage_network');
    v_id smallint;
BEGIN
    IF p_public IS NULL OR length(p_public) <> 32 THEN
        RAISE EXCEPTION 'A ticket key''s public half is 32 bytes (Ed25519).'
            USING ERRCODE = 'TO004';
    END IF;
    IF p_sealed_private IS NULL OR length(p_sealed_private) <> 64
       OR substring(p_sealed_private FOR 4) <> '\x544f4b31'::bytea THEN
        RAISE EXCEPTION 'The ticket key''s private half is not sealed as the app seals it.'
            USING ERRCODE = 'TO004';
    END IF;
    IF EXISTS (SELECT FROM public.signing_keys k WHERE k.public_key = p_public) THEN
        RAISE EXCEPTION 'That ticket key is in the database already.' USING ERRCODE = 'TO004';
    END IF;
    INSERT INTO public.signing_keys (public_key, private_key, created_by, created_as)
    VALUES (p_public, p_sealed_private, v_actor,
            CASE WHEN v_actor IS NULL THEN 'owner' ELSE 'supervisor' END)
    RETURNING id INTO v_id;
    INSERT INTO public.audit_events (operator_id, kind, subject, details)
    VALUES (v_actor, 'signing_key_created', 'key ' || v_id,
            jsonb_build_object('by', CASE WHEN v_actor IS NULL THEN 'owner'
                                          ELSE 'supervisor' END));
    RETURN v_id;
END $$;
