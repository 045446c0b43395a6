"""Clematis: a spoiler-aware Discord bot for Alien Stage fan communities."""

__version__ = "0.1.0"
