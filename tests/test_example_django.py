"""examples/django, run as a user runs it (manage.py in a subprocess) on a fresh database:
the migration creates the table and the collection, an article and its vector are written in
one atomic() block, a failing block leaves neither, and search returns articles in search order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("django")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "django"


def manage(dsn: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGMILVUS_DJANGO_DSN": dsn,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "adapter"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=EXAMPLE, env=env, capture_output=True,
                          text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_the_django_example(fresh_db: str) -> None:
    manage(fresh_db, "migrate", "--verbosity", "0")
    for title in ("Vectors in Postgres", "Gardening for beginners", "Postgres transactions"):
        assert manage(fresh_db, "add_article", title).stdout.startswith("added ")
    failed = manage(fresh_db, "add_article", "Never stored", "--fail", check=False)
    assert failed.returncode != 0 and "rolled back" in failed.stderr

    from pgmilvus import MilvusClient

    with MilvusClient(fresh_db) as client:
        ids = sorted(r["id"] for r in client.query("article_embeddings", filter="id >= 0"))
    assert ids == [1, 2, 3]  # the failed article's vector (id 4) was rolled back with its row
    printed = manage(fresh_db, "search_articles", "Gardening for beginners", "--limit", "3").stdout.splitlines()
    assert printed[0] == "2 Gardening for beginners" and len(printed) == 3
    shell = manage(fresh_db, "shell", "-c", "from django.test import Client; "
                   "print(Client().get('/search', {'q': 'Vectors in Postgres', 'limit': 1}).content.decode())")
    assert json.loads(shell.stdout.strip().splitlines()[-1]) == {"articles": [{"id": 1, "title": "Vectors in Postgres"}]}
    manage(fresh_db, "migrate", "articles", "zero", "--verbosity", "0")  # the reverse drops the collection
    with MilvusClient(fresh_db) as client:
        assert not client.has_collection("article_embeddings")
