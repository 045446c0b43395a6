-- Placeholder owned by the content-warning work (server notes, support message, link-card log).
-- Intentionally empty until that lands; kept so migration numbers stay contiguous.
SELECT 1;
