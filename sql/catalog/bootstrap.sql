-- Run before any migration: the schema and the version row they are tracked in.
CREATE SCHEMA IF NOT EXISTS pgmilvus_catalog;
CREATE TABLE IF NOT EXISTS pgmilvus_catalog.version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   integer NOT NULL
);
INSERT INTO pgmilvus_catalog.version (version) VALUES (0) ON CONFLICT DO NOTHING;
