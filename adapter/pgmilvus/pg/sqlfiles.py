"""Locate the SQL files shipped in the wheel (``pgmilvus/sql``) or, in a checkout, ``sql/``."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=1)
def sql_dir() -> Path:
    packaged = Path(str(resources.files("pgmilvus"))) / "sql"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "sql"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("pgmilvus's sql/ folder is missing from the installation")


def read(relative: str) -> str:
    return (sql_dir() / relative).read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str]]:
    """(version, sql) of every catalog migration, oldest first."""
    out = []
    for path in sorted((sql_dir() / "catalog").glob("[0-9][0-9][0-9]_*.sql")):
        out.append((int(path.name[:3]), path.read_text(encoding="utf-8")))
    return out
