"""Scheduled training sessions and who signed up for them."""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from workflow.core.training_year import CourseKind, Language
from workflow.sessions.machine import SignupState
from workflow.tables.assisters import Assister


class TrainingSession(Table, tablename="training_sessions"):
    """A session staff published: a course for a training year, in one language, at a
    time, online or at a place, with a number of seats."""

    course = Varchar(length=12, choices=CourseKind, default=CourseKind.full)
    training_year = Integer()
    language = Varchar(length=5, choices=Language, default=Language.en)
    starts_at = Timestamptz(index=True)
    online = Boolean(default=False)
    place = Varchar(length=200, null=True, default=None)  # address, when not online
    capacity = Integer()
    published_by = Varchar(length=150)
    created_at = Timestamptz()
    # Touched by every sign-up and cancellation: the row lock that queues them per session.
    updated_at = Timestamptz()


class TrainingSignup(Table, tablename="training_signups"):
    """One person's place in one session: waiting, confirmed (a seat), cancelled or
    attended. ``state`` and ``version`` are written only by the engine."""

    session = ForeignKey(TrainingSession, on_delete=OnDelete.cascade, index=True)
    assister = ForeignKey(Assister, on_delete=OnDelete.cascade, index=True)
    # "<session>:<assister>": one sign-up per person per session, races included.
    seat_key = Varchar(length=40, unique=True)
    state = Varchar(length=12, choices=SignupState, default=SignupState.waiting, index=True)
    version = Integer(default=1)
    # The waiting list's order: when they (re)joined it.
    queued_at = Timestamptz()
    created_at = Timestamptz()
    updated_at = Timestamptz()
