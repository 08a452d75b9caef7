from enum import StrEnum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.readable import Readable
from piccolo.table import Table


class ApplicationStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    submitted = "submitted"


class Consumer(Table, tablename="consumers"):
    """A consumer: the person an assister helps. Belongs to a user with role ``consumer``.

    ``association_seq`` is bumped at the start of every association event of this
    consumer, so concurrent events on their associations queue on this row's lock.
    The ``lock_*`` columns are the application lock: who is working on the application.
    """

    user = ForeignKey(BaseUser, unique=True, on_delete=OnDelete.cascade)
    name = Varchar(length=200, index=True)
    email = Varchar(length=254)
    phone = Varchar(length=40, null=True, default=None)
    address = Varchar(length=400, null=True, default=None)
    application_status = Varchar(
        length=20, choices=ApplicationStatus, default=ApplicationStatus.not_started
    )
    # Preferred language for notices: en or es.
    language = Varchar(length=5, default="en")
    association_seq = Integer(default=0)
    lock_user = Integer(null=True, default=None)
    lock_holder = Varchar(length=250, null=True, default=None)
    lock_role = Varchar(length=20, null=True, default=None)
    lock_acquired_at = Timestamptz(null=True, default=None)
    lock_active_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    @classmethod
    def get_readable(cls):
        return Readable(template="%s", columns=[cls.name])
