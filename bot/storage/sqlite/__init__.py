"""The embedded backend: one SQLite file (sqlite-utils), one writer, WAL."""
