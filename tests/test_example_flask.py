"""examples/flask with Flask's test client on a fresh database: an article and its vector in one
SQLAlchemy session and transaction (a failing request leaves neither), and a search that is one
SQL JOIN of the reflected collection with the app's table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("flask")
pytest.importorskip("sqlalchemy")

APP = Path(__file__).resolve().parents[1] / "examples" / "flask" / "app.py"


def _module():
    spec = importlib.util.spec_from_file_location("pgmilvus_flask_example", APP)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # SQLAlchemy resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module


def test_the_flask_example(fresh_db: str) -> None:
    example = _module()
    app = example.create_app(fresh_db)
    web = app.test_client()
    for title in ("Vectors in Postgres", "Gardening for beginners", "Postgres transactions"):
        assert web.post("/articles", json={"title": title}).status_code == 201
    assert web.post("/articles", json={"title": "Never stored", "fail": True}).status_code == 500
    client = app.extensions["pgmilvus"]
    assert sorted(r["id"] for r in client.query(example.COLLECTION, filter="id >= 0")) == [1, 2, 3]
    found = web.get("/search", query_string={"q": "Gardening for beginners", "limit": 2}).get_json()["articles"]
    assert [a["title"] for a in found][0] == "Gardening for beginners" and len(found) == 2
    assert found[0]["distance"] == pytest.approx(0.0, abs=1e-6)
    hits = client.search(example.COLLECTION, [example.embed("Gardening for beginners")], limit=2)[0]
    assert [h["id"] for h in hits] == [a["id"] for a in found]  # the JOIN ranks as search() does
    client.close()
