"""Scheduled training sessions: staff publish them, assisters sign up (a seat, or the
waiting list) and cancel with ``POST /training/signups/{id}/events/cancel``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta, Struct

from workflow.core.errors import BadInput, NotFound
from workflow.core.roles import Role
from workflow.core.training_year import CourseKind, Language
from workflow.engine.cases import load_case
from workflow.sessions import queries
from workflow.sessions import service as svc
from workflow.sessions.binding import SIGNUP_CASE
from workflow.web.auth import allow
from workflow.web.params import Actor, Id, RowId

READERS = allow("admin", "support", "assister")


class NewSessionBody(Struct, forbid_unknown_fields=True):
    course: CourseKind
    training_year: Annotated[int, Meta(ge=2014, le=2100)]
    language: Language
    starts_at: datetime
    capacity: Annotated[int, Meta(ge=1, le=10_000)]
    online: bool = False
    place: Annotated[str, Meta(max_length=200)] | None = None


class SessionOut(Struct):
    id: int
    course: str
    training_year: int
    language: str
    starts_at: datetime
    online: bool
    place: str | None
    capacity: int
    seats_left: int
    waiting: int
    published_by: str


class SignUpBody(Struct, forbid_unknown_fields=True):
    # Staff sign someone up; an assister signs themselves up and may leave it out.
    assister_id: RowId | None = None


class SignupOut(Struct):
    id: int
    session_id: int
    assister_id: int
    state: str
    version: int
    place_in_line: int | None
    allowed_events: list[str]


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise BadInput("starts_at: give a time zone, e.g. 2026-12-03T15:00:00-05:00",
                       field="starts_at")  # fmt: skip
    return moment.astimezone(UTC)


class SessionController(Controller):
    path = "/training"
    tags = ["training sessions"]

    @post("/sessions", opt=allow("admin"), status_code=201)
    async def publish(self, data: JSONBody[NewSessionBody], actor: Actor) -> SessionOut:
        """Publish a session: course kind, training year, language, start, online or a
        place, and its number of seats."""
        new = svc.NewSession(
            course=data.course, training_year=data.training_year, language=data.language,
            starts_at=_aware(data.starts_at), capacity=data.capacity, online=data.online,
            place=data.place,
        )  # fmt: skip
        session_id = await svc.publish_session(new, actor)
        return SessionOut(**await queries.get_session(session_id))

    @get("/sessions", opt=READERS)
    async def list_sessions(
        self, upcoming: Annotated[bool, QueryParameter()] = True
    ) -> list[SessionOut]:
        """Sessions by start time (still to start, unless ``upcoming=false``) with the
        seats left and how many are waiting."""
        rows = await queries.list_sessions(datetime.now(UTC), upcoming=upcoming)
        return [SessionOut(**r) for r in rows]

    @get("/sessions/{session_id:int}", opt=READERS)
    async def read(self, session_id: Id) -> SessionOut:
        return SessionOut(**await queries.get_session(session_id))

    @post("/sessions/{session_id:int}/signups", opt=allow("admin", "assister"), status_code=201)
    async def sign_up(
        self, session_id: Id, actor: Actor, data: JSONBody[SignUpBody | None] = None
    ) -> SignupOut:
        """Sign up: a seat if one is free and nobody waits, else the end of the waiting
        list; a confirmation (or the place in line) goes to the assister's mailbox at once.
        One sign-up per person per session (409); after cancelling, sign up again."""
        assister_id = data.assister_id if data else None
        if actor.role == Role.assister:
            assister_id = assister_id or actor.assister_id
        if assister_id is None:
            raise BadInput("assister_id: whom to sign up", field="assister_id")
        return SignupOut(**await svc.sign_up(session_id, assister_id, actor))

    @get("/signups/{signup_id:int}", opt=READERS)
    async def signup(self, signup_id: Id, actor: Actor) -> SignupOut:
        """A sign-up: its state, place in line and what may be done now (``cancel``)."""
        await load_case(SIGNUP_CASE, signup_id, actor)  # 404 unless it is theirs (or staff)
        return SignupOut(**await svc.signup_view(signup_id))

    @get("/signups/mine", opt=allow("assister"))
    async def mine(self, actor: Actor) -> list[SignupOut]:
        """The caller's own sign-ups."""
        if actor.assister_id is None:
            raise NotFound("this login is not tied to an assister")
        found = await queries.my_signups(actor.assister_id)
        return [SignupOut(**await svc.signup_view(r["id"])) for r in found.values()]
