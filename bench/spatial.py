"""Spatial filters (ST_WITHIN, ST_DWITHIN, ST_INTERSECTS) on a GEOMETRY field: pgmilvus against the
same work hand-written with psycopg and shapely.

    python bench/spatial.py                          # embedded server under /tmp: 10k and 100k geometries
    python bench/spatial.py --shape 50000x16 --dsn postgresql://user:pw@host/db

Data: ``ROWSxVERTICES``: ``ROWS`` rows of an INT64 key, a 4-d vector and a GEOMETRY ``g``, half
of them points and half polygons of ``VERTICES`` vertices (small regular polygons), scattered over
longitude -10..10, latitude 40..60.  pgmilvus: ``insert`` in calls of 5,000 rows.  SQL: the table a
Postgres user without PostGIS would write, ``(id bigint primary key, g text)`` (the WKT), loaded by
COPY (the vector as pgvector's ``vector(4)``).

PostgreSQL here has no PostGIS, so both sides do what pgmilvus does (filters/spatial.py): read every
row's key and WKT, test them with shapely (GEOS), and select by the keys that pass.  The hand-written
side: ``SELECT id, g FROM t WHERE g IS NOT NULL``, ``shapely.from_wkt`` + the predicate, then
``SELECT id FROM t WHERE id = ANY(%s) ORDER BY id LIMIT 100``.  Scenarios, each
``query(filter, output_fields=["id"], limit=100)``: a 1-degree box (ST_WITHIN), a 5-degree box
with ``id < ROWS / 10`` beside it (pgmilvus tests only the rows the ``and``'s other operand
leaves; SQL: ``id < N`` in its pass), 20 km around a
point (ST_DWITHIN), and a search (top 10) filtered by ST_INTERSECTS with a 2-degree box (SQL: the
vector order over the passing keys).  Each shape twice: without an index, and with an RTREE
index on ``g`` (pgmilvus: a GiST index of ``wkt_box(g)``; SQL: a ``box`` column of each
geometry's bounds, computed by shapely at load, with a GiST index, and ``b && <query box>`` in its
pass).  Timed in turns of 5 calls on the same arguments (bench/turns.py); ratio = SQL time /
pgmilvus time (1.0: as fast).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import psycopg
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import turns  # noqa: E402

from pgmilvus import DataType  # noqa: E402

BATCH = 5000
HEADER = (f"{'scenario':<22} {'pgm /s':>9} {'p50':>7} {'p99':>7} {'sql /s':>9} {'p50':>7} {'p99':>7} "
          f"{'ratio':>6} same")


def geometries(rows: int, vertices: int, rng: random.Random) -> list[str]:
    out = []
    for i in range(rows):
        x, y = rng.uniform(-10, 10), rng.uniform(40, 60)
        if i % 2 == 0 or vertices < 3:
            out.append(f"POINT ({x:.5f} {y:.5f})")
            continue
        r = rng.uniform(0.001, 0.05)
        ring = [(x + r * math.cos(2 * math.pi * k / vertices), y + r * math.sin(2 * math.pi * k / vertices))
                for k in range(vertices)]
        out.append("POLYGON ((" + ", ".join(f"{a:.5f} {b:.5f}" for a, b in ring + ring[:1]) + "))")
    return out


def load(client, raw: psycopg.Connection, wkts: list[str], vectors: np.ndarray, rtree: bool) -> None:
    if client.has_collection("sp"):
        client.drop_collection("sp")
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("g", DataType.GEOMETRY)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    if rtree:
        index.add_index("g", index_type="RTREE")
    client.create_collection("sp", schema=schema, index_params=index)
    for start in range(0, len(wkts), BATCH):
        client.insert("sp", [{"id": i, "v": vectors[i].tolist(), "g": wkts[i]}
                             for i in range(start, min(start + BATCH, len(wkts)))])
    client.flush("sp")
    raw.execute("DROP TABLE IF EXISTS bench_spatial")
    raw.execute("CREATE TABLE bench_spatial (id bigint PRIMARY KEY, v vector(4), g text, b box)")
    bounds = shapely.bounds(shapely.from_wkt(wkts))
    with raw.transaction(), raw.cursor().copy("COPY bench_spatial (id, v, g, b) FROM STDIN") as copy:
        for i, wkt in enumerate(wkts):
            x1, y1, x2, y2 = bounds[i]
            copy.write_row((i, "[" + ",".join(map(str, vectors[i].tolist())) + "]", wkt, f"({x1},{y1}),({x2},{y2})"))
    if rtree:
        raw.execute("CREATE INDEX ON bench_spatial USING gist (b)")
    raw.execute("VACUUM ANALYZE bench_spatial")


def passing(raw: psycopg.Connection, test, below: Optional[int] = None, near: Optional[str] = None) -> list[int]:
    """The hand-written pass: every key and WKT (``below``: of the keys below it; ``near``: of the
    rows whose box meets this one), tested with shapely."""
    found = raw.execute("SELECT id, g FROM bench_spatial WHERE g IS NOT NULL AND (%s::bigint IS NULL OR id < %s)"
                        " AND (%s::box IS NULL OR b && %s::box)", (below, below, near, near)).fetchall()
    geoms = shapely.from_wkt([g for _, g in found])
    return [k for (k, _), ok in zip(found, test(geoms)) if ok]


def box(x: float, y: float, half: float) -> str:
    return f"POLYGON (({x - half} {y - half}, {x + half} {y - half}, {x + half} {y + half}, " \
           f"{x - half} {y + half}, {x - half} {y - half}))"


def within_metres(geoms, x: float, y: float, metres: float):
    """segcore's ST_DWITHIN for points (haversine), as the hand-written side would write it."""
    lat1, lon1 = np.radians(shapely.get_y(geoms)), np.radians(shapely.get_x(geoms))
    lat2, lon2 = math.radians(y), math.radians(x)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * math.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    near = 6371000.0 * 2 * np.arctan2(np.sqrt(a), np.sqrt(1 - a)) <= metres
    others = shapely.get_type_id(geoms) != 0  # polygons: planar degrees, scaled at the query latitude
    scale = 111320.0 * math.sqrt((1 + math.cos(lat2) ** 2) / 2)
    near[others] = shapely.distance(geoms[others], shapely.Point(x, y)) * scale <= metres
    return near


def run_shape(client, dsn: str, rows: int, vertices: int, args: argparse.Namespace) -> list[str]:
    rng = random.Random(rows + vertices)
    wkts = geometries(rows, vertices, rng)
    vectors = np.random.default_rng(rows).random((rows, 4), dtype=np.float32)
    centres = [(rng.uniform(-8, 8), rng.uniform(42, 58)) for _ in range(args.queries)]
    lines = []
    with psycopg.connect(dsn, autocommit=True) as raw:
        for rtree in (False, True):
            load(client, raw, wkts, vectors, rtree)
            lines.append(f"-- {rows} geometries ({vertices}-vertex polygons and points), "
                         + ("RTREE index (SQL: a GiST index of a box column)" if rtree else "no index"))
            lines += _timed(client, raw, rows, centres, rtree, args)
            client.drop_collection("sp")
            raw.execute("DROP TABLE bench_spatial")
    return lines


def _timed(client, raw: psycopg.Connection, rows: int, centres: list, rtree: bool,
           args: argparse.Namespace) -> list[str]:
    query_vector = [0.5, 0.5, 0.5, 0.5]

    def select(keys: list[int]) -> list[int]:
        return [r[0] for r in raw.execute("SELECT id FROM bench_spatial WHERE id = ANY(%s) ORDER BY id "
                                          "LIMIT 100", (keys,)).fetchall()]

    def near(c: tuple, half_lon: float, half_lat: Optional[float] = None) -> Optional[str]:
        half_lat = half_lon if half_lat is None else half_lat
        return f"({c[0] - half_lon},{c[1] - half_lat}),({c[0] + half_lon},{c[1] + half_lat})" if rtree else None

    def within(c: tuple, half: float):
        return lambda g: shapely.within(g, shapely.from_wkt(box(*c, half)))

    def reach(lat: float) -> float:
        """The hand-written box of 20 km: a point's haversine degrees of latitude, or a polygon's
        planar degrees at the query's latitude (segcore's scale), whichever is more."""
        return max(20000 / 111194.0, 20000 / (111320.0 * math.sqrt((1 + math.cos(math.radians(lat)) ** 2) / 2))) * 1.01

    cases = {
        "ST_WITHIN 1-deg box": (
            lambda c: [[r["id"] for r in client.query("sp", f"ST_WITHIN(g, '{box(*c, 0.5)}')",
                                                      output_fields=["id"], limit=100)]],
            lambda c: [select(passing(raw, within(c, 0.5), near=near(c, 0.5)))]),
        "id < 10% and ST_WITHIN": (
            lambda c: [[r["id"] for r in client.query("sp", f"id < {rows // 10} and ST_WITHIN(g, '{box(*c, 2.5)}')",
                                                      output_fields=["id"], limit=100)]],
            lambda c: [select(passing(raw, within(c, 2.5), rows // 10, near(c, 2.5)))]),
        "ST_DWITHIN 20 km": (
            lambda c: [[r["id"] for r in client.query("sp", f"ST_DWITHIN(g, 'POINT ({c[0]} {c[1]})', 20000)",
                                                      output_fields=["id"], limit=100)]],
            lambda c: [select(passing(raw, lambda g: within_metres(g, c[0], c[1], 20000),
                                      near=near(c, reach(c[1]) / math.cos(math.radians(c[1] + reach(c[1]))),
                                                reach(c[1]))))]),
        "search ST_INTERSECTS": (
            lambda c: [[h["id"] for h in client.search("sp", [query_vector], limit=10,
                                                       filter=f"ST_INTERSECTS(g, '{box(*c, 1.0)}')")[0]]],
            lambda c: [[r[0] for r in raw.execute(
                "SELECT id FROM bench_spatial WHERE id = ANY(%s) ORDER BY v <-> '[0.5,0.5,0.5,0.5]', id LIMIT 10",
                (passing(raw, lambda g: shapely.intersects(g, shapely.from_wkt(box(*c, 1.0))),
                         near=near(c, 1.0)),)).fetchall()]]),
    }
    lines = []
    for name, (ours, theirs) in cases.items():
        sides = turns.measure_sides({"pgmilvus": ours, "sql": theirs}, centres, args.rounds, 5)
        same = sum(a == b for a, b in zip(sides["pgmilvus"].found, sides["sql"].found)) / len(centres)
        lines.append(f"{name:<22} {turns.cell(sides['pgmilvus'])} {turns.cell(sides['sql'])} "
                     f"{turns.turn_ratio(sides['sql'], sides['pgmilvus']):6.2f} {same:4.0%}")
    return lines


def main() -> None:
    turns.shapes_main(__doc__, "spatial", ("10000x16", "100000x16"), 20, HEADER, run_shape,
                      label="ROWSxVERTICES")


if __name__ == "__main__":
    main()
