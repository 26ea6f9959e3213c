"""Reading what idle connections were sent: catalog change notifications, without a statement.

Every pooled connection LISTENs for catalog changes (connection.py's _Listener); nothing else
reads one while it sits idle in a pool or kept for the next read, and a few hundred notifications
fill its socket (its backend then blocks writing them).  Database's drain thread and GreenPool's
drain find the idle connections that have something to read (``readable``) and hand it to their
handlers (``read_notifications``).
"""

from __future__ import annotations

import select
from typing import Any, Iterable

import psycopg

_CONNECTION_BAD = psycopg.pq.ConnStatus.BAD


def readable(conns: Iterable[Any]) -> list[Any]:
    """The connections (sync or async) whose socket has something to read now (one select(), no wait)."""
    by_socket = {conn.pgconn.socket: conn for conn in conns if not conn.closed}
    if not by_socket:
        return []
    return [by_socket[s] for s in select.select(list(by_socket), [], [], 0)[0]]


def read_notifications(conn: Any) -> None:
    """Hand what an idle connection's socket holds (notifications) to its handlers, sending
    nothing; a broken connection raises."""
    pgconn = conn.pgconn
    pgconn.consume_input()
    if pgconn.status == _CONNECTION_BAD:
        raise psycopg.OperationalError("the connection is closed")
    while (notify := pgconn.notifies()) is not None:
        if pgconn.notify_handler:
            pgconn.notify_handler(notify)
