from piccolo.columns import JSON, Timestamptz, Varchar
from piccolo.table import Table


class ProducerRecord(Table, tablename="producer_registry"):
    """The local producer registry: one row per NPN, loaded from a CSV file with
    ``workflow registry load``. Lines of authority are ``[{"name", "status"}]``."""

    npn = Varchar(length=10, unique=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100, index=True)
    state = Varchar(length=2)
    license_number = Varchar(length=40, null=True, default=None, index=True)
    license_status = Varchar(length=20)
    lines_of_authority = JSON(default=[])
    loaded_at = Timestamptz()
