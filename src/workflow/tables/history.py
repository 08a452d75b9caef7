from piccolo.columns import JSON, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class History(Table, tablename="history"):
    """One row per applied event, for every machine. Append-only: the database refuses
    updates and deletes (see the migration that installs the triggers)."""

    machine = Varchar(length=30)
    entity_id = BigInt()
    event = Varchar(length=50)
    from_state = Varchar(length=30)
    to_state = Varchar(length=30)
    actor = Varchar(length=150)
    actor_user_id = Integer(null=True, default=None)
    reason = Text(null=True, default=None)
    data = JSON(default={})
    at = Timestamptz(index=True)
