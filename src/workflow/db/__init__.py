"""The database: which engine is in use, transactions, start-up and migrations."""

from workflow.db.engine import (
    all_tables,
    connect,
    current_engine,
    disconnect,
    engine_from_url,
    ilike,
    is_sqlite,
    transaction,
    use_engine,
)
from workflow.db.migrate import migrate

__all__ = [
    "all_tables",
    "connect",
    "current_engine",
    "disconnect",
    "engine_from_url",
    "ilike",
    "is_sqlite",
    "migrate",
    "transaction",
    "use_engine",
]
