-- PostgreSQL twin of ../0006_party_limits.sql: the same tables, columns, keys and indexes (tests/core/test_schema_equivalence.py).
-- INTEGER is BIGINT here (Discord ids are 64-bit), generated ids are identities, defaults use to_char(now()).

-- Members act within their reach: per-server limits on upcoming watch parties, and an optional host role.
-- NULL means the default (bot/watchparty/quota.py): 12 upcoming parties per member, 50 per server.
ALTER TABLE guild_party_settings ADD COLUMN member_party_limit BIGINT
    CHECK (member_party_limit IS NULL OR member_party_limit BETWEEN 1 AND 100);
ALTER TABLE guild_party_settings ADD COLUMN server_party_limit BIGINT
    CHECK (server_party_limit IS NULL OR server_party_limit BETWEEN 1 AND 100);
ALTER TABLE guild_party_settings ADD COLUMN host_role_id BIGINT;
