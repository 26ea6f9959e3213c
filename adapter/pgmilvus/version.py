"""pgmilvus's version, in a module of its own so that any layer can name it without importing
the package's public face (pgmilvus/__init__.py imports every layer)."""

__version__ = "0.1.0"
