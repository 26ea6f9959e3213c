"""search_iterator(): pages of hits ordered by distance, like pymilvus's SearchIteratorV2.

Paging is keyset paging on the pgvector distance: each page asks for the rows
farther than the last hit of the previous page, or at the same distance but not
returned yet (exact ties), ordered by distance.  That
needs no server-side state (nothing to release if the caller never closes)
and every page sees committed data at the moment it runs.  Exact scans give
a strictly ordered, complete walk; index scans run pgvector's iterative scan
in ``strict_order`` so pages stay ordered.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import psycopg

from ..catalog import collections
from ..filters import spatial_scope
from . import ann as search, order, structs
from ..errors import ErrorCode, MilvusException, ParamError, client_side, collection_replaced, illegal, invalid_parameter
from .params import MAX_TOPK, build_request
from .results import SearchPage


class SearchIterator:
    """``next()`` -> a SearchPage (a list of Hit); an empty page once exhausted."""

    def __init__(self, read: Callable[[Callable[[psycopg.Connection], Any]], Any], db_name: str,
                 collection_name: str, data: Any, *, batch_size: Optional[int],
                 filter: Optional[str], limit: Optional[int], output_fields: Any, search_params: Any,
                 partition_names: Any, anns_field: Any, round_decimal: int, kwargs: dict[str, Any]) -> None:
        batch_size = _checked_batch(1000 if batch_size is None else batch_size)
        offset = kwargs.get("offset", 0)
        if offset:  # pymilvus's check; an SDK that sends it (Go) meets the proxy's window check first
            error = ParamError(message="Offset is not supported for search_iterator_v2")
            if isinstance(offset, int) and not 0 < offset <= MAX_TOPK:
                raise client_side(error, invalid_parameter(f"offset [{offset}] is invalid, it should be in range "
                                                           f"[1, {MAX_TOPK}], but got {offset}"))
            raise error
        if kwargs.get("group_by_field"):
            raise invalid_parameter("Not allowed to do groupBy when doing iteration")
        if kwargs.get("function_chains"):
            raise MilvusException(ErrorCode.UNSUPPORTED, "search_iterator(function_chains=...) is not supported "
                                                         "by pgmilvus: function chains apply to search()")
        order.refuse_iterator(order.specs(kwargs.get("order_by_fields")))
        if kwargs.get("search_aggregation") is not None:
            raise invalid_parameter("search iterator is not supported with search_aggregation")
        rows = _num_rows(data)
        if rows > 1:
            raise ParamError(message="search_iterator_v2 does not support processing multiple vectors "
                                     "simultaneously")
        if rows == 0:
            raise ParamError(message="The vector data for search cannot be empty")
        self._read = read  # runs a read call on a pooled connection (MilvusClient._read)
        self._db_name = db_name
        self._collection = collection_name
        self._batch = batch_size
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise ParamError(message=f"`limit` value {limit!r} is illegal: expected an int (-1: no limit)")
        self._left: Optional[int] = None if limit is None or limit < 0 else limit
        extra = {k: v for k, v in kwargs.items()
                 if k in ("filter_params", "expr_params", "timezone", "time_fields", "is_embedding_list",
                          "ignore_growing")}  # the Go SDK's iterators skip growing segments too
        extra["round_decimal"] = round_decimal
        # Checked once here (bad arguments fail at creation, as in pymilvus); the limit is per page.
        self._request = build_request(data, filter or "", batch_size, output_fields, search_params,
                                      partition_names, anns_field, extra)
        self._last: Optional[tuple[float, list[Any]]] = None  # (last distance, keys returned at it)
        self._done = False
        self._collection_id: Optional[int] = None  # of the collection the first page read
        self._element_key: Optional[tuple[float, Any, int]] = None  # a struct element walk's last hit
        read(self._check)  # field, metric, filter errors now

    def _check(self, conn: psycopg.Connection) -> None:
        info = collections.require(conn, self._db_name, self._collection, name_check=False)
        field = structs.sub_field(info, self._request.anns_field)
        with spatial_scope(conn, info, self._request.filter):
            if field is not None:  # a struct array's vector sub-field: element by element (structs.py)
                structs.plan(info, self._request, field, iterating=True)
            else:
                search.prepare(info, self._request, iterating=True)

    def _element_page(self, conn: psycopg.Connection, info: Any, field: Any) -> SearchPage:
        """A page of an element-level walk: after the last (distance, pk, position) returned."""
        p = structs.plan(info, self._request, field, iterating=True)
        found = structs.rows(conn, p, self._request, self._element_key)[0]
        if len(found) < self._request.limit:
            self._done = True
        if found:
            self._element_key = (found[-1][1], found[-1][0], found[-1][2] + 1)
        if self._left is not None:
            self._left -= len(found)
        return SearchPage(structs.hits(p, self._request, found))

    def resize(self, batch_size: Any) -> None:
        """The size of the next pages.  Milvus sizes each page of a search iterator v2 by its own
        request's ``search_iter_batch_size``: the Node SDK shrinks the last page to what its limit
        leaves, and a page sized by the first request would overshoot that limit."""
        self._batch = _checked_batch(batch_size)

    def next(self) -> SearchPage:
        want = self._batch if self._left is None else min(self._batch, self._left)
        if self._done or want <= 0:
            return SearchPage()
        self._request.limit = want

        def page(conn: psycopg.Connection) -> tuple[Any, search.Prepared, list[search.Row]]:
            info = collections.require(conn, self._db_name, self._collection, name_check=False)
            if self._collection_id is not None and info.id != self._collection_id:
                raise collection_replaced(info.name, "search_iterator")
            field = structs.sub_field(info, self._request.anns_field)
            with spatial_scope(conn, info, self._request.filter):
                if field is not None:
                    return info, self._element_page(conn, info, field), None
                prepared = search.prepare(info, self._request, keyset=self._last, iterating=True)
            return info, prepared, search.run(conn, prepared)[0]
        info, prepared, found = self._read(page)
        if isinstance(prepared, SearchPage):
            self._collection_id = info.id
            return prepared
        self._collection_id = info.id
        selected = search.finish(prepared, found)
        if len(found) < want or len(selected) < len(found):  # exhausted, or past range search's radius
            self._done = True
        if found:
            last_d = float(found[-1][search.RAW])
            tied = [row[search.PK] for row in found if float(row[search.RAW]) == last_d]
            if self._last is not None and self._last[0] == last_d:
                tied = self._last[1] + tied  # the tie spans several pages
            self._last = (last_d, tied)
        if self._left is not None:
            self._left -= len(selected)
        return SearchPage(prepared.hits(selected))

    def close(self) -> None:
        self._done = True

    def __iter__(self):
        return self

    def __next__(self) -> SearchPage:
        page = self.next()
        if not page:
            raise StopIteration
        return page


def _checked_batch(batch_size: Any) -> int:
    """``batch_size`` as a page size, refused with pymilvus's texts outside 1..MAX_TOPK."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise illegal("limit", batch_size, "batch_size must be an int")  # pymilvus: batch_size is the limit
    if batch_size < 0:
        raise ParamError(message="batch size cannot be less than zero")
    if batch_size == 0:
        raise illegal("limit", batch_size, "batch_size must be at least 1")
    if batch_size > MAX_TOPK:  # an SDK that does not check (Go) gets the proxy's answer
        raise client_side(ParamError(message=f"batch size cannot be larger than {MAX_TOPK}"),
                          invalid_parameter(f"batch size is invalid, it should be in range [1, {MAX_TOPK}], but "
                                            f"got {batch_size}"))
    return batch_size


def _num_rows(data: Any) -> int:
    if hasattr(data, "shape") and hasattr(data, "tocsr"):
        return int(data.shape[0])
    try:
        return len(data)
    except TypeError:
        return 1
