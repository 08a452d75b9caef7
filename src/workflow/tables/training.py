from enum import StrEnum

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from workflow.core.training_year import CourseKind, Language
from workflow.tables.assisters import Assister


class RecordKind(StrEnum):
    training = "training"
    exam = "exam"


class TrainingRecord(Table, tablename="training_records"):
    """A completed course or an exam attempt, counted against one training year.
    Written by the effects of ``complete_training`` and ``record_exam``."""

    assister = ForeignKey(Assister, on_delete=OnDelete.cascade, index=True)
    training_year = Integer(index=True)
    kind = Varchar(length=10, choices=RecordKind)
    course = Varchar(length=12, choices=CourseKind, default=CourseKind.full)
    language = Varchar(length=5, choices=Language, default=Language.en)
    score = Integer(null=True, default=None)
    passed = Boolean(default=False)
    # The day the course or exam was taken (refused before onboarding or in the future).
    completed_on = Date(null=True, default=None)
    recorded_at = Timestamptz()
