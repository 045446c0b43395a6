-- PostgreSQL twin of ../0009_portable_sql.sql (tests/core/test_schema_equivalence.py).

-- When a party ends (UTC, 'YYYY-MM-DDTHH:MM:SSZ'): starts_at + duration_minutes, kept by a trigger on every
-- insert and on every change of either column.
ALTER TABLE watch_parties ADD COLUMN ends_at TEXT;
CREATE FUNCTION watch_parties_ends_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.ends_at := to_char(
        (NEW.starts_at::timestamptz + make_interval(mins => NEW.duration_minutes::int)) AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS"Z"');
    RETURN NEW;
END;
$$;
UPDATE watch_parties SET ends_at = to_char(
    (starts_at::timestamptz + make_interval(mins => duration_minutes::int)) AT TIME ZONE 'UTC',
    'YYYY-MM-DD"T"HH24:MI:SS"Z"');
CREATE TRIGGER watch_parties_ends_at BEFORE INSERT OR UPDATE OF starts_at, duration_minutes ON watch_parties
    FOR EACH ROW EXECUTE FUNCTION watch_parties_ends_at();
CREATE INDEX watch_parties_by_end ON watch_parties (ends_at);

-- The order RSVPs were first given in (the waitlist's tie-break after updated_at), set by a trigger on
-- insert as on SQLite.
ALTER TABLE party_rsvps ADD COLUMN seq BIGINT;
CREATE SEQUENCE party_rsvps_seq;
CREATE FUNCTION party_rsvps_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq IS NULL THEN
        NEW.seq := nextval('party_rsvps_seq');
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER party_rsvps_seq BEFORE INSERT ON party_rsvps FOR EACH ROW EXECUTE FUNCTION party_rsvps_seq();
