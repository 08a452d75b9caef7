from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from workflow.core.training_year import Language, OptionalCourse
from workflow.tables.assisters import Assister


class OptionalCourseRecord(Table, tablename="optional_course_records"):
    """An optional course taken (written by ``record_optional_course``): enrichment,
    supplemental, Help On Demand, or portal access with its assessment (``passed`` at the
    portal pass mark). Kept apart from ``training_records``, so certification never
    counts it."""

    assister = ForeignKey(Assister, on_delete=OnDelete.cascade, index=True)
    training_year = Integer()
    course = Varchar(length=20, choices=OptionalCourse)
    language = Varchar(length=5, choices=Language, default=Language.en)
    completed_on = Date()
    score = Integer(null=True, default=None)
    passed = Boolean(null=True, default=None)  # None: no assessment
    recorded_at = Timestamptz()
