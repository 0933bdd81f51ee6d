"""The SQL both backends share: repositories written once against the `Sql` executor.

Statements use SQLite's placeholders (`?` and `:name`); the PostgreSQL executor translates
them. Where the dialects differ, a repository asks `sql.dialect` (see `executor.py`).
"""
