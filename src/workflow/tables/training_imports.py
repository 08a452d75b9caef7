"""Results imported from the learning system: one row per attempt id, so importing the
same file twice (or two imports of it at once) applies each attempt once, and one row
per import run with its result file."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from workflow.tables.assisters import Assister


class TrainingImportAttempt(Table, tablename="training_import_attempts"):
    """An attempt id whose event was applied (written with the event, in its statement;
    the unique index is what makes a second import of it "already imported")."""

    attempt_id = Varchar(length=100, unique=True)
    assister = ForeignKey(Assister, on_delete=OnDelete.cascade, index=True)
    event = Varchar(length=30)
    file_name = Varchar(length=200)
    imported_at = Timestamptz()


class TrainingImportRun(Table, tablename="training_import_runs"):
    """One import (or dry run) of a file: who, when, the counts and the result file."""

    file_name = Varchar(length=200)
    actor = Varchar(length=150)
    dry_run = Boolean(default=False)
    started_at = Timestamptz()
    rows = Integer(default=0)
    summary = JSON(default={})
    results_csv = Text(default="")
