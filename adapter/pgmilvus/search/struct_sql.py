"""SQL of searches on a struct array's vector sub-field (``S[v]``, a ``vector(d)[]`` column).

Both searches are exact (pgvector indexes no array of vectors); per-pair distances are
pgvector's exact functions (sql.Metric.raw), so the numbers are those of a plain search.

* Embedding list (MAX_SIM_*): a row's score is, summed over the query's vectors, the best pair
  with any of the row's vectors (knowhere's ``get_sum_max_sim``).  The statement orders by a key
  where smaller is better: ``-similarity`` for COSINE / IP, the distance for L2 (squared),
  HAMMING, JACCARD; a row with no vector (NULL or ``[]``) has no score and is no hit.
* Element level (plain metric): every element of every row is a candidate, ``unnest(...) WITH
  ORDINALITY`` gives it with its position (0-based in Milvus); ties go by (pk, position).
"""

from __future__ import annotations

from typing import Optional, Sequence

from psycopg import sql
from psycopg.adapt import PyFormat

from .sql import DIST, PK, Metric, Target, range_condition

ELEMENT, POSITION, QVEC, QNUM, BEST_OF, OFFSET = "$e", "$o", "$v", "$i", "$b", "$off"
RN, BEST, RANK = "$rn", "$best", "$rank"


def _where(conditions: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")


def _outputs(items: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL("").join(sql.SQL(", {} AS {}").format(item, sql.Identifier(f"$o{i}"))
                            for i, item in enumerate(items))


def pair_key(metric: Metric, raw: sql.Composable) -> sql.Composable:
    """One (query vector, element) pair in Milvus's units, smaller = better."""
    if metric.name == "L2":
        return sql.SQL("({0} * {0})").format(raw)   # knowhere's MAX_SIM_L2 sums squared distances
    if metric.name == "COSINE":
        return sql.SQL("({} - 1)").format(raw)       # 1 - cos - 1 = -cos
    return raw                                       # IP: -ip; HAMMING, JACCARD: the distance


def emb_list_statement(target: Target, column: sql.Composable, conditions: Sequence[sql.Composable],
                       outputs: Sequence[sql.Composable], limit: int) -> sql.Composable:
    """Top ``limit`` rows by summed best pairs for the query list bound as ``%(q)s``
    (``target.query_type``: the array's SQL type, e.g. ``vector(8)[]``)."""
    element_type = target.query_type[:-2]
    raw = target.metric.raw(sql.Identifier("e", ELEMENT),
                            sql.SQL("{}::{}").format(sql.Identifier("q", QVEC), sql.SQL(element_type)), True)
    score = sql.SQL(
        "SELECT sum(b.{best}) AS {d} FROM (SELECT min({pair}) AS {best} FROM unnest({q}::{qtype}) WITH "
        "ORDINALITY AS q({v}, {i}) CROSS JOIN unnest({column}) AS e({e}) GROUP BY q.{i}) AS b").format(
        best=sql.Identifier(BEST_OF), d=sql.Identifier(DIST), pair=pair_key(target.metric, raw),
        q=sql.Placeholder("q", PyFormat.BINARY), qtype=sql.SQL(target.query_type), v=sql.Identifier(QVEC),
        i=sql.Identifier(QNUM), column=column, e=sql.Identifier(ELEMENT))
    conds = [sql.SQL("cardinality({}) > 0").format(column), *conditions]
    return sql.SQL("SELECT {pk} AS {pk_alias}, s.{d} AS {d}{outputs} FROM {table} AS t CROSS JOIN LATERAL "
                   "({score}) AS s{where} ORDER BY {d}, {pk_alias} LIMIT {limit}").format(
        pk=sql.Identifier("t", target.pk), pk_alias=sql.Identifier(PK), d=sql.Identifier(DIST),
        outputs=_outputs(outputs), table=target.table, score=score, where=_where(conds),
        limit=sql.Literal(int(limit)))


def _elements(target: Target, column: sql.Composable) -> sql.Composable:
    return sql.SQL("{} AS t CROSS JOIN LATERAL unnest({}) WITH ORDINALITY AS e({}, {})").format(
        target.table, column, sql.Identifier(ELEMENT), sql.Identifier(POSITION))


def _element_query(target: Target) -> sql.Composable:
    return sql.SQL("{}::{}").format(sql.Placeholder("q", PyFormat.BINARY), sql.SQL(target.query_type))


def element_raw(target: Target) -> sql.Composable:
    """pgvector's exact distance of an element to the query vector ``%(q)s``."""
    return target.metric.raw(sql.Identifier("e", ELEMENT), _element_query(target), True)


def element_conditions(target: Target, conditions: Sequence[sql.Composable], radius: bool, range_filter: bool,
                       keyset: bool, element_filter: Optional[sql.Composable] = None) -> list[sql.Composable]:
    """The row filter, an element filter, the metric's condition on an element (SUBSTRUCTURE,
    SUPERSTRUCTURE), range search's bounds and an iterator's last hit."""
    raw = element_raw(target)
    conds = list(conditions)
    match = target.metric.matches(sql.Identifier("e", ELEMENT), _element_query(target))
    if match is not None:
        conds.append(match)
    if element_filter is not None:
        conds.append(element_filter)
    if radius:
        conds.append(range_condition(target, raw, "radius", closer_side=False))
    if range_filter:
        conds.append(range_condition(target, raw, "range_filter", closer_side=True))
    if keyset:  # a search iterator's next page: after the last (distance, pk, position) returned
        conds.append(sql.SQL("({}, {}, e.{}) > (%(last_d)s, %(last_pk)s, %(last_o)s)").format(
            raw, sql.Identifier("t", target.pk), sql.Identifier(POSITION)))
    return conds


def element_statement(target: Target, column: sql.Composable, conditions: Sequence[sql.Composable],
                      outputs: Sequence[sql.Composable], limit: int) -> sql.Composable:
    """Top ``limit`` elements: rows ``(pk, distance, position, outputs...)``, position 0-based."""
    return sql.SQL("SELECT {pk} AS {pk_alias}, {raw} AS {d}, e.{o} - 1 AS {off}{outputs} FROM {source}{where} "
                   "ORDER BY {d}, {pk_alias}, {off} LIMIT {limit}").format(
        pk=sql.Identifier("t", target.pk), pk_alias=sql.Identifier(PK), raw=element_raw(target),
        d=sql.Identifier(DIST), o=sql.Identifier(POSITION), off=sql.Identifier(OFFSET), outputs=_outputs(outputs),
        source=_elements(target, column), where=_where(conditions), limit=sql.Literal(int(limit)))


def grouped_element_statement(target: Target, column: sql.Composable, conditions: Sequence[sql.Composable],
                              outputs: Sequence[sql.Composable], groups: int) -> sql.Composable:
    """group_by the primary key: the best ``%(group_size)s`` elements of the best ``groups`` rows,
    rows ranked by their best element (ties by pk); the hits in distance order (Milvus's e2e
    suite expects distances monotonic across groups); each row ``(pk, distance, position,
    outputs..., rn, best, rank)``."""
    pk, raw = sql.Identifier("t", target.pk), element_raw(target)
    inner = sql.SQL(
        "SELECT {pk} AS {pk_alias}, {raw} AS {d}, e.{o} - 1 AS {off}{outputs}, row_number() OVER (PARTITION BY "
        "{pk} ORDER BY {raw}, e.{o}) AS {rn}, min({raw}) OVER (PARTITION BY {pk}) AS {best} FROM {source}{where}"
    ).format(pk=pk, pk_alias=sql.Identifier(PK), raw=raw, d=sql.Identifier(DIST), o=sql.Identifier(POSITION),
             off=sql.Identifier(OFFSET), outputs=_outputs(outputs), rn=sql.Identifier(RN),
             best=sql.Identifier(BEST), source=_elements(target, column), where=_where(conditions))
    return sql.SQL(
        "SELECT * FROM (SELECT s.*, dense_rank() OVER (ORDER BY {best}, {pk}) AS {rank} FROM ({inner}) AS s "
        "WHERE {rn} <= %(group_size)s) AS s2 WHERE {rank} <= {groups} ORDER BY {d}, {pk}, {off}").format(
        best=sql.Identifier(BEST), pk=sql.Identifier(PK), rank=sql.Identifier(RANK), inner=inner,
        rn=sql.Identifier(RN), groups=sql.Literal(int(groups)), d=sql.Identifier(DIST), off=sql.Identifier(OFFSET))
