"""Milvus's spatial filters on GEOMETRY fields, evaluated by GEOS as segcore evaluates them.

``ST_EQUALS / ST_TOUCHES / ST_OVERLAPS / ST_CROSSES / ST_CONTAINS / ST_INTERSECTS / ST_WITHIN
(field, 'WKT')``, ``ST_DWITHIN(field, 'POINT (x y)', metres)`` and ``ST_ISVALID(field)``:
segcore tests each row's geometry against the query's with GEOS (GISFunctionFilterExpr.cpp,
common/Geometry.h).  pgmilvus's PostgreSQL has no PostGIS, so the test runs here, with shapely
(GEOS itself): the candidate rows of the read's table are read once, key and WKT (those where the
other operands of an ``and`` around the test may hold and, with an RTREE index on the field, whose
bounding box meets the query's: ``_query_box``), and the keys whose geometry passes become the
filter's SQL, ``pk = ANY('{...}')`` (compile._spatial; under a ``not``, ``CASE WHEN geo IS NULL
THEN NULL ELSE ... END``: a NULL geometry is NULL to segcore too).  The SQL names the rows matched
when it was made, so it is made per call, never cached.

A read that may hold one sets :func:`rows` (its connection, table and key) around compiling
its filter; without it a spatial filter is refused (3000) rather than answered wrongly.
"""

from __future__ import annotations

import contextlib
import math
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import numpy as np
from psycopg import sql

from ..errors import ErrorCode, MilvusException

#: Milvus's spatial functions (Plan.g4): the binary ones are shapely's predicates of the same name
#: (``st_within`` -> ``shapely.within(row geometry, query geometry)``).
BINARY = ("st_equals", "st_touches", "st_overlaps", "st_crosses", "st_contains", "st_intersects", "st_within")
NAMES = frozenset(BINARY + ("st_dwithin", "st_isvalid"))
#: segcore's metres per degree of latitude (Geometry.h), and the Earth radius of its haversine.
_METRES_PER_DEGREE = 111320.0
_EARTH_RADIUS = 6371000.0


@dataclass(frozen=True)
class Scope:
    """Where a read's rows are: its connection, its table (schema, name), its key and key type."""

    conn: Any
    schema: str
    table: str
    pk: str
    int_keys: bool
    boxed: frozenset = frozenset()  # GEOMETRY columns with an RTREE index (a GiST index of wkt_box)


_scope: ContextVar[Optional[Scope]] = ContextVar("pgmilvus_spatial_rows", default=None)


@contextlib.contextmanager
def rows(conn: Any, schema: str, table: str, pk: str, int_keys: bool,
         boxed: frozenset = frozenset()) -> Iterator[None]:
    """Compile the filters of this block against these rows (see the module's docstring)."""
    token = _scope.set(Scope(conn, schema, table, pk, int_keys, boxed))
    try:
        yield
    finally:
        _scope.reset(token)


def may_hold(expr: Any) -> bool:
    """Whether ``expr``'s text may call a spatial function: a cheap test, so that reads without
    one set no scope and keep their cached plans."""
    return isinstance(expr, str) and "st_" in expr.lower()


def current() -> Optional[Scope]:
    return _scope.get()


def matching_keys(op: str, column: str, wkt: Optional[str], distance: Optional[float],
                  where: Optional[str] = None) -> list[Any]:
    """The keys of the scope's rows whose geometry in ``column`` passes ``op`` against ``wkt``
    (None: ``st_isvalid``), in the order read; rows with a NULL geometry are not among them.
    ``where``: compiled filter SQL (literals only) restricting the rows read (compile._and_spatial)."""
    try:
        import shapely  # the GEOS Milvus's segcore links; imported when a spatial filter first runs
    except ImportError:
        raise MilvusException(ErrorCode.UNSUPPORTED, f"{op.upper()} needs shapely (GEOS), a dependency of "
                              "pgmilvus that is not installed here: pip install 'shapely>=2'") from None

    scope = _scope.get()
    assert scope is not None, "spatial.rows() must be set around the compile"
    query = None if wkt is None else shapely.from_wkt(wkt)
    bounds = _query_box(shapely, op, query, distance) if column in scope.boxed else None
    # The box is bound (%s): a repeated filter's pass is one statement, prepared by psycopg after
    # a few runs; the other operands' literals are written in, their % doubled.
    statement = sql.SQL("SELECT {pk}, {geo} FROM {table} WHERE {geo} IS NOT NULL AND ({where}){boxed}").format(
        pk=sql.Identifier(scope.pk), geo=sql.Identifier(column), table=sql.Identifier(scope.schema, scope.table),
        where=sql.SQL((where or "TRUE").replace("%", "%%")), boxed=sql.SQL("") if bounds is None else sql.SQL(
            " AND pgmilvus_catalog.wkt_box({geo}) && %s::box").format(geo=sql.Identifier(column)))
    found = scope.conn.execute(statement, () if bounds is None else (bounds,)).fetchall()
    if not found:
        return []
    keys = [row[0] for row in found]
    geoms = shapely.from_wkt([row[1] for row in found], on_invalid="ignore")
    if op == "st_isvalid":
        passed = _each(shapely.is_valid, geoms)
    else:
        if op == "st_dwithin":
            passed = _within_metres(shapely, geoms, query, float(distance or 0.0))
        else:
            shapely.prepare(query)
            test = getattr(shapely, op[3:])
            passed = _each(lambda g: test(g, query), geoms)
    return [key for key, ok in zip(keys, passed) if ok]


def _query_box(shapely: Any, op: str, query: Any, distance: Optional[float]) -> Optional[str]:
    """The box (PostgreSQL ``box`` text) every row passing ``op`` has its own box meeting, for the
    RTREE's GiST index; None where no box bounds them (ST_ISVALID, an empty query geometry, an
    ST_DWITHIN reaching a pole or across the antimeridian)."""
    if query is None or shapely.is_empty(query):
        return None
    x1, y1, x2, y2 = (float(b) for b in shapely.bounds(query))
    if op == "st_dwithin":
        reach = _dwithin_reach(y1, float(distance or 0.0))
        if reach is None or x1 - reach[0] < -180.0 or x2 + reach[0] > 180.0:
            return None
        x1, x2, y1, y2 = x1 - reach[0], x2 + reach[0], y1 - reach[1], y2 + reach[1]
    return f"({x2!r},{y2!r}),({x1!r},{y1!r})"


def _dwithin_reach(lat: float, metres: float) -> Optional[tuple[float, float]]:
    """(longitude, latitude) degrees that hold every geometry within ``metres`` of a point at
    ``lat`` as segcore measures it: a point's haversine distance (its latitude moves by at most
    the angle, its longitude by asin(sin(angle) / cos(lat))), another geometry's planar degrees
    times the metres per degree at the query's latitude; 1% spare against rounding."""
    angle = metres / _EARTH_RADIUS
    cos_lat = math.cos(math.radians(lat))
    if angle >= math.pi / 2 or math.sin(angle) >= cos_lat:
        return None
    planar = metres / (_METRES_PER_DEGREE * math.sqrt((1.0 + cos_lat * cos_lat) / 2.0))
    lon = math.degrees(math.asin(math.sin(angle) / cos_lat))
    return max(lon, planar) * 1.01, max(math.degrees(angle), planar) * 1.01


def _each(test: Any, geoms: np.ndarray) -> np.ndarray:
    """``test`` over every geometry; one that GEOS cannot test (a TopologyException on an invalid
    polygon) fails it alone, as GEOS's ``2`` (exception) is not ``1`` (true) to segcore."""
    import shapely

    try:
        return np.asarray(test(geoms), dtype=bool)
    except shapely.errors.GEOSException:
        out = np.zeros(len(geoms), dtype=bool)
        for i, geom in enumerate(geoms):
            try:
                out[i] = bool(test(geom))
            except shapely.errors.GEOSException:
                pass
        return out


def _within_metres(shapely: Any, geoms: np.ndarray, query: Any, distance: float) -> np.ndarray:
    """segcore's ST_DWITHIN: a point's haversine distance to the query point in metres; any other
    geometry's planar GEOS distance in degrees, turned into metres at the query's latitude.  An
    empty geometry is at no distance: never within (GEOS's distance to it is 0 or NaN by version)."""
    qx, qy = float(shapely.get_x(query)), float(shapely.get_y(query))
    present = np.array([g is not None for g in geoms], dtype=bool)
    empty = present & shapely.is_empty(geoms)
    points = present & ~empty & (shapely.get_type_id(geoms) == 0)
    out = np.zeros(len(geoms), dtype=bool)
    lat1, lon1 = np.radians(shapely.get_y(geoms[points])), np.radians(shapely.get_x(geoms[points]))
    lat2, lon2 = math.radians(qy), math.radians(qx)
    a = np.sin((lat2 - lat1) / 2.0) ** 2 + np.cos(lat1) * math.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    out[points] = _EARTH_RADIUS * 2.0 * np.arctan2(np.sqrt(a), np.sqrt(1.0 - a)) <= distance
    others = present & ~points & ~empty
    degrees = shapely.distance(geoms[others], query)
    lat = math.radians(qy)
    scale = _METRES_PER_DEGREE * math.sqrt((1.0 + math.cos(lat) * math.cos(lat)) / 2.0)
    out[others] = degrees * scale <= distance
    return out


def unavailable(name: str) -> tuple[str, int]:
    """The refusal of a spatial filter where no rows were given (a text, code 3000)."""
    return (f"{name} is not supported by pgmilvus in this call: spatial filters run in query, search, "
            "hybrid_search, delete and their iterators", ErrorCode.UNSUPPORTED)
