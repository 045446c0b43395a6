"""Pure time logic for watch parties: zones, parsing, weekly series, reminder policy, calendar export.

No Discord and no database here. Instants are aware UTC datetimes; IANA zones appear only at the edges.
"""
