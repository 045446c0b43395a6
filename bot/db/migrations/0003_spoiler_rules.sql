-- Placeholder owned by the spoiler-rules work (moderator rules, allow-list, exempt roles, notices).
-- Intentionally empty until that lands; kept so migration numbers stay contiguous.
SELECT 1;
