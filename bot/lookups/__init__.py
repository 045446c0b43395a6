"""Spoiler-aware lookups of the canon pack: entry cards, reveals, the timeline and search, as plain data.

Cogs turn these into Discord messages; everything here is testable without a connection.
"""
