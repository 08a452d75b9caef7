from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from workflow.tables.assisters import Assister


class Message(Table, tablename="messages"):
    """A message in an assister's secure mailbox (and, later, the e-mail outbox)."""

    assister = ForeignKey(Assister, null=True, on_delete=OnDelete.cascade, index=True)
    recipient_email = Varchar(length=254)
    template = Varchar(length=60)
    language = Varchar(length=5, default="en")
    subject = Varchar(length=300)
    body = Text()
    created_at = Timestamptz(index=True)
