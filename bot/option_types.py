"""Bounded option types for slash commands, shared by every cog.

Every string option declares a maximum length (Discord's client refuses longer input), so what a member
types is bounded before it reaches the bot; every integer option declares its range (tests check both).
"""

from __future__ import annotations

from discord import app_commands

PICK_LIMIT = 100  # Discord's limit for a choice's value: what autocomplete can send back
Pick = app_commands.Range[str, 1, PICK_LIMIT]  # an option answered by autocomplete (or typed by hand)
