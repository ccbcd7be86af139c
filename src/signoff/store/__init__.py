"""Storage: the local SQLite index (a cache rebuilt from git)."""
