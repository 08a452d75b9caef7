from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from workflow.tables.assisters import Assister


class DirectoryListing(Table, tablename="directory_listings"):
    """What an assister tells the public directory besides their profile: the languages
    they help in (space-separated codes with a space at each end, `` en es ``, so a
    language filters with ``LIKE '% es %'``), whether they take new clients, and (brokers)
    whether Help On Demand may offer them referrals. An assister without a row is listed
    with their preferred language, accepting new clients, taking no referrals."""

    assister = ForeignKey(Assister, unique=True, on_delete=OnDelete.cascade)
    languages = Varchar(length=100, default=" en ")
    accepting_new_clients = Boolean(default=True)
    accepts_referrals = Boolean(default=False)
    updated_at = Timestamptz()
