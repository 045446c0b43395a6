"""Feature modules: one thin cog per feature. Logic lives in ``bot/``."""
