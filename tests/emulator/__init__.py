"""A wire-level Discord emulator for end-to-end tests."""
