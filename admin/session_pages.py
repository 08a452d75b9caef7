"""Staff pages for scheduled training sessions: publish one, see its roster (seats, the
waiting list in order), sign someone up, cancel a sign-up, mark attendance."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from workflow.core.errors import BadInput, MachineError, NotFound
from workflow.core.settings import get_settings
from workflow.core.training_year import CourseKind, Language
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.sessions import queries
from workflow.sessions import service as svc
from workflow.sessions.binding import SIGNUP_CASE
from workflow.training.importer import find_assisters
from workflow.web.auth import allow, staff_form
from workflow.web.params import Actor
from workflow.web.rendering import cookie, status_of
from workflow.web.sessions import CSRF_FIELD, STAFF_CSRF_COOKIE

READ = allow("admin", "support")
WRITE = staff_form("admin")
ROOT = "/staff/training/sessions"


class SessionPages(Controller):
    path = ROOT
    include_in_schema = False

    @get("/", opt=READ)
    async def sessions(self, request: Request, actor: Actor) -> Template:
        return await _list(request, actor)

    @post("/", opt=WRITE, status_code=303)
    async def publish(self, request: Request, actor: Actor) -> Redirect | Template:
        form = await request.form()
        try:
            session_id = await svc.publish_session(_new_session(form), actor)
        except MachineError as refusal:
            return await _list(request, actor, error=refusal.detail, form=dict(form),
                               status=status_of(refusal))  # fmt: skip
        return Redirect(f"{ROOT}/{session_id}?done=published", status_code=303)

    @get("/{session_id:int}", opt=READ)
    async def session(self, request: Request, session_id: FromPath[int], actor: Actor) -> Template:
        done = request.query_params.get("done", "")
        return await _detail(request, actor, session_id, done=done)

    @post("/{session_id:int}/signups", opt=WRITE, status_code=303)
    async def sign_up(
        self, request: Request, session_id: FromPath[int], actor: Actor
    ) -> Redirect | Template:
        key = ((await request.form()).get("assister") or "").strip()
        try:
            ids = (await find_assisters({key})).get(key.lower(), set()) if key else set()
            if len(ids) != 1:
                raise BadInput(f"no one assister has the NPN, e-mail or Reference Number {key!r}")
            await svc.sign_up(session_id, next(iter(ids)), actor)
        except MachineError as refusal:
            return await _detail(request, actor, session_id, error=refusal.detail,
                                 status=status_of(refusal))  # fmt: skip
        return Redirect(f"{ROOT}/{session_id}?done=signed_up", status_code=303)

    @post("/{session_id:int}/signups/{signup_id:int}/{event:str}", opt=WRITE, status_code=303)
    async def fire_event(
        self,
        request: Request,
        session_id: FromPath[int],
        signup_id: FromPath[int],
        event: FromPath[str],
        actor: Actor,
    ) -> Redirect | Template:
        try:
            if (await svc.signup_view(signup_id))["session_id"] != session_id:
                raise NotFound(f"session sign-up {signup_id} is not for session {session_id}")
            await fire(FireEvent(SIGNUP_CASE, signup_id, event, actor))
        except MachineError as refusal:
            return await _detail(request, actor, session_id, error=refusal.detail,
                                 status=status_of(refusal))  # fmt: skip
        return Redirect(f"{ROOT}/{session_id}?done={event}", status_code=303)


def _new_session(form) -> svc.NewSession:
    """The publish form as a new session; each refusal names the field to fix."""
    zone = ZoneInfo(get_settings().program_timezone)
    try:
        starts = datetime.fromisoformat(form.get("starts_at", "")).replace(tzinfo=zone)
    except ValueError:
        raise BadInput("starts_at: give the day and time the session starts") from None
    capacity, year = form.get("capacity", ""), form.get("training_year", "")
    if not capacity.isdigit() or not 1 <= int(capacity) <= 10_000:
        raise BadInput("capacity: a number of seats from 1 to 10000")
    if not year.isdigit() or not 2014 <= int(year) <= 2100:
        raise BadInput("training_year: a year such as 2027")
    if form.get("course") not in set(CourseKind) or form.get("language") not in set(Language):
        raise BadInput("course and language: choose one of each")
    return svc.NewSession(course=form["course"], training_year=int(year),
                          language=form["language"], starts_at=starts.astimezone(UTC),
                          capacity=int(capacity), online=form.get("online") == "1",
                          place=form.get("place"))  # fmt: skip


def _context(request: Request, actor, **more) -> tuple[dict, str]:
    csrf = request.cookies.get(STAFF_CSRF_COOKIE) or secrets.token_urlsafe(32)
    settings = get_settings()
    zone = ZoneInfo(settings.program_timezone)
    context = {"staff": actor, "csrf_field": CSRF_FIELD, "csrf_token": csrf, "zone": zone,
               "time_zone": settings.program_timezone, "may_act": actor.role == "admin",
               **more}  # fmt: skip
    return context, csrf


def _page(name: str, context: dict, csrf: str, status: int) -> Template:
    return Template(template_name=f"pages/staff/{name}.html", context=context,
                    status_code=status,
                    cookies=[cookie(STAFF_CSRF_COOKIE, csrf, path="/staff")])  # fmt: skip


async def _list(request, actor, *, error: str = "", form=None, status: int = 200) -> Template:
    now = datetime.now(UTC)
    settings = get_settings()
    context, csrf = _context(
        request, actor, error=error, form=form or {},
        upcoming=await queries.list_sessions(now),
        past=[s for s in await queries.list_sessions(now, upcoming=False) if s["starts_at"] <= now],
        courses=list(CourseKind), languages=list(Language),
        this_year=settings.calendar.training_year(settings.today(now)),
    )  # fmt: skip
    return _page("training_sessions", context, csrf, status)


async def _detail(request, actor, session_id: int, *, done: str = "", error: str = "",
                  status: int = 200) -> Template:  # fmt: skip
    session = await queries.get_session(session_id)
    context, csrf = _context(
        request, actor, session=session, roster=await queries.roster(session_id),
        started=session["starts_at"] <= datetime.now(UTC), done=done, error=error,
    )  # fmt: skip
    return _page("training_session", context, csrf, status)
