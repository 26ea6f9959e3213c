"""The Postgres layer, at the bottom: the pool and transactions (connection.py), the caller's own
connection (callers.py), prepared statements straight on libpq (statements.py, the one place
that uses psycopg internals), the embedded server (embedded.py), the packaged SQL
migrations (sqlfiles.py) and TIMESTAMPTZ instants beyond Python's datetime, in PostgreSQL's forms
(instants.py). Nothing here knows about collections.
"""
