-- What lets one set of statements run on SQLite and PostgreSQL alike (bot/db): values the code used to
-- compute with SQLite-only functions or read from SQLite's hidden rowid are now columns of their own.

-- When a party ends (UTC, 'YYYY-MM-DDTHH:MM:SSZ'): starts_at + duration_minutes, kept by triggers on every
-- insert and on every change of either column, so "not ended yet" is a plain comparison on both engines.
ALTER TABLE watch_parties ADD COLUMN ends_at TEXT;
UPDATE watch_parties SET ends_at = strftime('%Y-%m-%dT%H:%M:%SZ', starts_at, '+' || duration_minutes || ' minutes');
CREATE TRIGGER watch_parties_ends_at_insert AFTER INSERT ON watch_parties
BEGIN
    UPDATE watch_parties SET ends_at = strftime('%Y-%m-%dT%H:%M:%SZ', NEW.starts_at, '+' || NEW.duration_minutes || ' minutes')
     WHERE id = NEW.id;
END;
CREATE TRIGGER watch_parties_ends_at_update AFTER UPDATE OF starts_at, duration_minutes ON watch_parties
BEGIN
    UPDATE watch_parties SET ends_at = strftime('%Y-%m-%dT%H:%M:%SZ', NEW.starts_at, '+' || NEW.duration_minutes || ' minutes')
     WHERE id = NEW.id;
END;
CREATE INDEX watch_parties_by_end ON watch_parties (ends_at);

-- The order RSVPs were first given in (the waitlist's tie-break after updated_at), which was the rowid.
ALTER TABLE party_rsvps ADD COLUMN seq INTEGER;
UPDATE party_rsvps SET seq = rowid;
CREATE TRIGGER party_rsvps_seq AFTER INSERT ON party_rsvps WHEN NEW.seq IS NULL
BEGIN
    UPDATE party_rsvps SET seq = NEW.rowid WHERE rowid = NEW.rowid;
END;
