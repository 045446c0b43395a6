"""Privacy: what the bot stores about members and servers, and how it is shown, exported, deleted and
expired.

* `registry`: every table, what its columns hold, and how long rows are kept (the one source).
* `store`: count, export, delete a member's data; purge a server's; expire old rows (database only).
* `work`: the due work that follows (announcements, events, purges after the grace period, the daily
  retention sweep), delivered by the one due-work dispatcher.
* `answers`: what /privacy says, and its confirmation buttons; `settings`: the server's host handover.
* `cli`: ``python -m bot privacy ...`` for the operator.
"""
