"""Django's SQLite backend with writers that queue (see base.py)."""
