"""The embedded backend: Delta Lake offline tables, DuckDB queries, SQLite online store."""
