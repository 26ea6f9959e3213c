"""Settings of the example: one PostgreSQL database (with pgvector) for Django and for pgmilvus.

``PGMILVUS_DJANGO_DSN`` names it (a postgresql:// URI); Django's psycopg 3 backend is used.
"""

import os

from psycopg.conninfo import conninfo_to_dict

DSN = os.environ.get("PGMILVUS_DJANGO_DSN", "postgresql://postgres@localhost/articles")
_params = conninfo_to_dict(DSN)

SECRET_KEY = "example-only"
DEBUG = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["articles"]
ROOT_URLCONF = "articles.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _params.get("dbname", ""),
        "USER": _params.get("user", ""),
        "PASSWORD": _params.get("password", ""),
        "HOST": _params.get("host", ""),
        "PORT": _params.get("port", ""),
    }
}
