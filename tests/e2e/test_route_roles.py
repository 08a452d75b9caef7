"""Deny by default, route by route: the table below is the access policy, written by hand.

- Every route the app serves must appear here with exactly the roles it declares: a new
  route without a declaration (or a changed one) fails until this table says so.
- Every route × every role is then called for real: anonymous callers of non-public routes
  get 401, roles not listed get 403, listed roles get past the guard (any other answer).
- Object scope: an assister, an agency admin and a consumer asking for someone else's
  records get 404, never 403, so ids cannot be probed.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.helpers import active_assister, associate, bearer, new_consumer, new_org
from workflow.accounts.service import NewUser, create_user

A, S, G, T, C, ANON = "admin", "support", "agency_admin", "assister", "consumer", "anonymous"
M = "metrics"  # a scraper's token: /metrics and what is public, nothing else
ROLES = (A, S, G, T, C, M, ANON)
EVERYONE = {ANON}
STAFF = {A, S}

POLICY: dict[tuple[str, str], set[str]] = {
    ("GET", "/"): EVERYONE,
    ("GET", "/health"): EVERYONE,
    ("GET", "/health/live"): EVERYONE,
    ("GET", "/health/ready"): EVERYONE,
    ("GET", "/metrics"): {A, M},
    ("GET", "/noop"): {A, S, G, T, C},
    ("GET", "/assisters"): {A, S, G},
    ("POST", "/assisters"): {A, G},
    ("GET", "/assisters/{assister_id:int}"): {A, S, G, T},
    ("PATCH", "/assisters/{assister_id:int}"): {A, T},
    ("POST", "/assisters/{assister_id:int}/events/{event:str}"): {A, S, G, T},
    ("GET", "/assisters/{assister_id:int}/history"): {A, S, G, T},
    ("GET", "/assisters/{assister_id:int}/messages"): {A, S, T},
    ("GET", "/assisters/{assister_id:int}/diagram.svg"): {A, S, G, T},
    ("GET", "/assisters/{assister_id:int}/diagram.mmd"): {A, S, G, T},
    ("GET", "/organizations"): STAFF,
    ("POST", "/organizations"): {A},
    ("POST", "/organizations/{organization_id:int}/exemptions"): {A, G},
    ("GET", "/exemptions"): {A, S, G},
    ("GET", "/exemptions/{exemption_id:int}"): {A, S, G},
    ("GET", "/exemptions/{exemption_id:int}/history"): {A, S, G},
    ("POST", "/exemptions/{exemption_id:int}/events/{event:str}"): {A, S, G},
    ("GET", "/exemptions/{exemption_id:int}/diagram.svg"): {A, S, G},
    ("GET", "/exemptions/{exemption_id:int}/diagram.mmd"): {A, S, G},
    ("GET", "/consumers/me"): {C},
    ("GET", "/consumers/me/messages"): {C},
    ("GET", "/consumers/{consumer_id:int}/application/lock"): {A, S, T, C},
    ("POST", "/consumers/{consumer_id:int}/application/lock"): {T, C},
    ("DELETE", "/consumers/{consumer_id:int}/application/lock"): {A, S, T, C},
    ("PUT", "/consumers/{consumer_id:int}/application"): {T, C},
    ("GET", "/associations"): {A, S, C},
    ("POST", "/associations"): {C},
    ("GET", "/associations/{association_id:int}"): {A, S, T, C},
    ("GET", "/associations/{association_id:int}/history"): {A, S, T, C},
    ("POST", "/associations/{association_id:int}/events/{event:str}"): {A, S, T, C},
    ("GET", "/associations/{association_id:int}/diagram.svg"): {A, S, T, C},
    ("GET", "/associations/{association_id:int}/diagram.mmd"): {A, S, T, C},
    ("GET", "/assisters/{assister_id:int}/clients"): {A, S, T},
    ("GET", "/assisters/{assister_id:int}/clients/export"): {A, S, T},
    ("GET", "/assisters/{assister_id:int}/clients/{consumer_id:int}"): {A, S, T},
    ("POST", "/assisters/{assister_id:int}/clients/{consumer_id:int}/acknowledge"): {T},
    ("POST", "/assisters/{assister_id:int}/clients/transfer"): {A},
    ("GET", "/consumer"): EVERYONE,
    ("GET", "/consumer/login"): EVERYONE,
    ("POST", "/consumer/login"): EVERYONE,
    ("POST", "/consumer/logout"): {C},
    ("GET", "/consumer/assister"): {C},
    ("POST", "/consumer/assister/request"): {C},
    ("POST", "/consumer/assister/remove"): {C},
    ("GET", "/consumer/assister/requests/{association_id:int}"): {C},
    ("GET", "/consumer/assister/requests/{association_id:int}/terms"): {C},
    ("POST", "/consumer/assister/requests/{association_id:int}/confirm"): {C},
    ("POST", "/consumer/assister/requests/{association_id:int}/cancel"): {C},
    ("GET", "/diagrams"): EVERYONE,
    ("GET", "/diagrams.html"): EVERYONE,
    ("GET", "/diagrams/{file:str}"): EVERYONE,
    ("GET", "/users"): STAFF,
    ("GET", "/users/{user_id:int}"): STAFF,
    ("POST", "/users/{user_id:int}/deactivate"): {A},
    ("POST", "/users/{user_id:int}/unlock"): STAFF,
    ("GET", "/users/{user_id:int}/tokens"): {A},
    ("POST", "/users/{user_id:int}/tokens"): {A},
    ("POST", "/tokens/{token_id:int}/revoke"): {A},
    ("GET", "/assisters/{assister_id:int}/validation"): {A, S, G, T},
    ("GET", "/assisters/{assister_id:int}/validation/history"): {A, S, G, T},
    ("POST", "/assisters/{assister_id:int}/validation/events/{event:str}"): {A, S, T},
    ("GET", "/assisters/{assister_id:int}/validation/diagram.svg"): {A, S, T},
    ("GET", "/assisters/{assister_id:int}/validation/diagram.mmd"): {A, S, T},
    ("GET", "/support/validations"): STAFF,
    ("GET", "/registration-list"): EVERYONE,
    ("GET", "/registration-completion-list"): EVERYONE,
    ("GET", "/staff/dashboard"): STAFF,
    ("GET", "/staff/validations"): STAFF,
    ("GET", "/staff/cases/{machine:str}/{case_id:int}"): STAFF,
    ("POST", "/staff/cases/{machine:str}/{case_id:int}/events/{event:str}"): STAFF,
    ("GET", "/search"): {A, S, G},
    ("GET", "/staff/search"): STAFF,
    ("GET", "/staff/cases"): STAFF,
    ("POST", "/staff/cases/{machine:str}/bulk"): STAFF,
    ("GET", "/staff/training/import"): STAFF,
    ("POST", "/staff/training/import"): {A},
    ("GET", "/staff/training/imports/{run_id:int}/results.csv"): STAFF,
    # The assister and agency portal (issue 15): public forms before sign-in, pages after.
    **{("GET", f"/assister/{p}"): EVERYONE for p in (
        "activate", "login", "login/code", "login/enrol", "login/enrol/app", "forgot",
        "forgot-username", "reset/{token:str}")},
    **{("POST", f"/assister/{p}"): EVERYONE for p in (
        "activate", "login", "login/code", "login/code/resend", "login/enrol/app",
        "login/enrol/email", "login/enrol/email/confirm", "forgot", "forgot-username",
        "reset/{token:str}")},
    ("GET", "/portal/language/{lang:str}"): EVERYONE,
    ("POST", "/assister/logout"): {G, T},
    **{("GET", f"/assister{p}"): {T} for p in (
        "", "/agreements", "/certificate", "/clients", "/clients/export",
        "/clients/{consumer_id:int}", "/mailbox", "/profile")},
    **{("POST", f"/assister/{p}"): {T} for p in (
        "activate-again", "agreements", "clients/{consumer_id:int}/acknowledge",
        "clients/{consumer_id:int}/lock", "clients/{consumer_id:int}/release", "profile",
        "profile/more", "tokens", "tokens/{token_id:int}/revoke")},
    ("GET", "/agency"): {G},
    ("GET", "/agency/onboard"): {G},
    ("POST", "/agency/onboard"): {G},
    ("POST", "/agency/assisters/{assister_id:int}/inactive"): {G},
    ("POST", "/agency/assisters/{assister_id:int}/approve"): {G},
    ("GET", "/agency/clients"): {G},
    ("POST", "/users/{user_id:int}/portal-mfa/reset"): STAFF,
    # Assister of record over time (issue 18).
    ("GET", "/consumers/{consumer_id:int}/assister-of-record"): {A, S, C},
    ("GET", "/assisters/{assister_id:int}/book"): {A, S, T},
    ("GET", "/reports/assister-of-record.csv"): STAFF,
    # Find local help (issue 18).
    ("GET", "/find-help"): EVERYONE,
    ("POST", "/find-help/{assister_id:int}/request"): {C},
    ("GET", "/assisters/{assister_id:int}/directory"): {A, S, T},
    ("PUT", "/assisters/{assister_id:int}/directory"): {A, T},
    ("GET", "/find-help.html"): {ANON, C},
    ("POST", "/find-help/ask"): {ANON, C},
    ("POST", "/consumer/find-help/{assister_id:int}/request"): {C},
    # Help On Demand referrals (issue 18).
    ("POST", "/referrals"): EVERYONE,
    ("GET", "/referrals"): STAFF,
    ("GET", "/referrals/{referral_id:int}"): {A, S, T, C},
    ("POST", "/referrals/{referral_id:int}/events/{event:str}"): {A, S, T, C},
    ("GET", "/referrals/{referral_id:int}/diagram.svg"): {A, S, T, C},
    ("GET", "/referrals/{referral_id:int}/diagram.mmd"): {A, S, T, C},
    ("GET", "/assisters/{assister_id:int}/referrals"): {A, S, T},
    ("GET", "/assister/referrals"): {T},
    ("POST", "/assister/referrals/{referral_id:int}/{event:str}"): {T},
}  # fmt: skip
# The OpenAPI document, its viewer and its files (/static) are public; piccolo-admin signs
# staff in itself.
PUBLIC_PREFIXES = ("/schema", "/static", "/admin")
# Training operations (issue 17): result imports, scheduled sessions and sign-ups.
POLICY.update(
    {
        ("GET", "/staff/training/import"): STAFF,
        ("POST", "/staff/training/import"): {A},
        ("GET", "/staff/training/imports/{run_id:int}/results.csv"): STAFF,
        ("GET", "/training/sessions"): {A, S, T},
        ("POST", "/training/sessions"): {A},
        ("GET", "/training/sessions/{session_id:int}"): {A, S, T},
        ("POST", "/training/sessions/{session_id:int}/signups"): {A, T},
        ("GET", "/training/signups/mine"): {T},
        ("GET", "/training/signups/{signup_id:int}"): {A, S, T},
        ("POST", "/training/signups/{signup_id:int}/events/{event:str}"): {A, S, T},
        ("GET", "/training/signups/{signup_id:int}/diagram.svg"): {A, S, T},
        ("GET", "/training/signups/{signup_id:int}/diagram.mmd"): {A, S, T},
        ("GET", "/reports/open-enrollment-readiness"): STAFF,
        ("GET", "/reports/open-enrollment-readiness.csv"): STAFF,
        ("GET", "/staff/reports/open-enrollment-readiness"): STAFF,
        ("GET", "/assister/training"): {T},
        ("POST", "/assister/training/sessions/{session_id:int}/signup"): {T},
        ("POST", "/assister/training/signups/{signup_id:int}/cancel"): {T},
        ("GET", "/staff/training/sessions"): STAFF,
        ("POST", "/staff/training/sessions"): {A},
        ("GET", "/staff/training/sessions/{session_id:int}"): STAFF,
        ("POST", "/staff/training/sessions/{session_id:int}/signups"): {A},
        (
            "POST",
            "/staff/training/sessions/{session_id:int}/signups/{signup_id:int}/{event:str}",
        ): {A},
    }
)
# Ids of things the example world does not hold (reads of them are the documented 404).
ABSENT_IDS = {"session_id": 10**6, "signup_id": 10**6, "run_id": 10**6}

# Cells where a role the route allows still gets a 401/403/redirect, on purpose.
EXPECTED_REFUSALS = {
    # Before the Acknowledgement of Authorization the assister may not open the details.
    ("GET", "/assisters/{assister_id:int}/clients/{consumer_id:int}", T): 403,
    # The sign-in form carries a double-submit CSRF token; a post without it is refused.
    **{("POST", "/consumer/login", role): 403 for role in ROLES},
    # So do the portal's forms before sign-in.
    **{
        ("POST", f"/assister/{form}", role): 403
        for form in ("activate", "login", "forgot", "forgot-username", "reset/{token:str}")
        for role in ROLES
    },
}
# Browser pages: a missing session sends people to the sign-in page (303), and form posts
# without the session's CSRF token are refused (403).
PAGE = re.compile(r"^/consumer(/|$)")
# Portal pages open only with the portal's session cookie: a bearer token, whoever's,
# is sent to sign in (303).
PORTAL_PAGE = re.compile(r"^/(assister|agency)(/|$)")


def served_routes(app) -> dict[tuple[str, str], frozenset[str] | None]:
    routes = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", None) or ():
                if method in ("OPTIONS", "HEAD") or route.path.startswith(PUBLIC_PREFIXES):
                    continue
                routes[(method, route.path)] = handler.opt.get("roles")
    return routes


def test_every_route_declares_the_roles_in_the_policy():
    from workflow.app import create_app

    served = served_routes(create_app(manage_database=False))
    undeclared = sorted(k for k, roles in served.items() if roles is None)
    assert not undeclared, f"routes without allow(...): {undeclared}"
    assert set(served) == set(POLICY), (
        f"not in the policy: {sorted(set(served) - set(POLICY))}; "
        f"gone from the app: {sorted(set(POLICY) - set(served))}"
    )
    differ = {k: (sorted(served[k]), sorted(POLICY[k])) for k in POLICY if served[k] != POLICY[k]}
    assert not differ, f"declared vs policy: {differ}"


async def test_a_route_without_a_declaration_is_refused_to_everyone():
    from litestar import Litestar, get

    from workflow.web.auth import authorize

    @get("/forgotten")
    async def forgotten() -> str:
        return "should never be served"

    import httpx

    app = Litestar([forgotten], guards=[authorize])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/forgotten")
    assert r.status_code == 403 and "should never" not in r.text


async def _world(client, admin) -> dict:
    """Records each role owns, and the same kinds of records owned by others."""
    org, other_org = await new_org(client, admin), await new_org(client, admin)
    mine = await active_assister(client, admin, organization_id=org)
    theirs = await active_assister(client, admin, name="Other One", organization_id=other_org)
    consumer, consumer_id = await new_consumer()
    other_consumer, other_consumer_id = await new_consumer("Someone Else")
    association = await associate(client, consumer, mine)
    other_association = await associate(client, other_consumer, theirs)
    exemption = await client.post(
        f"/organizations/{org}/exemptions",
        json={"justification": "we run our own full course"},
        headers=admin,
    )
    other_exemption = await client.post(
        f"/organizations/{other_org}/exemptions",
        json={"justification": "so do we, every single year"},
        headers=admin,
    )
    ask = {"name": "Ana", "zip": "55401", "phone": "555-0100", "consent": True}
    referral = await client.post("/referrals", json=ask, headers=consumer)
    other_referral = await client.post("/referrals", json=ask, headers=other_consumer)
    spare = await create_user(NewUser(username=f"spare-{uuid.uuid4().hex[:6]}", role="support"))
    users = {
        A: admin,
        S: await _headers(S),
        G: await _headers(G, organization_id=org),
        T: await _headers(T, assister_id=mine["id"]),
        C: consumer,
        M: await _headers(M),
        ANON: {},
    }
    return {
        "users": users,
        "own": {
            "assister_id": mine["id"],
            "consumer_id": consumer_id,
            "association_id": association["id"],
            "organization_id": org,
            "exemption_id": exemption.json()["id"],
            "referral_id": referral.json()["id"],
        },
        "others": {
            "assister_id": theirs["id"],
            "consumer_id": other_consumer_id,
            "association_id": other_association["id"],
            "organization_id": other_org,
            "exemption_id": other_exemption.json()["id"],
            "referral_id": other_referral.json()["id"],
        },
        "user_id": spare.user_id,
    }


async def _headers(role: str, **kw) -> dict[str, str]:
    created = await create_user(NewUser(username=f"{role}-{uuid.uuid4().hex[:8]}", role=role, **kw))
    return bearer(created.token)


# Which machine an event route moves, to pick an event the caller may really fire.
EVENT_ROUTES = {
    "/assisters/{assister_id:int}/events/{event:str}": "assister",
    "/associations/{association_id:int}/events/{event:str}": "association",
    "/exemptions/{exemption_id:int}/events/{event:str}": "exemption",
    "/assisters/{assister_id:int}/validation/events/{event:str}": "npn_validation",
}


def event_for(path: str, role: str) -> str:
    """An event of the route's machine that ``role`` may fire (so the refusal, if any,
    comes from the record, not from the event); else one nobody can."""
    from workflow.registry import MACHINES

    spec = MACHINES.get(EVENT_ROUTES.get(path, ""))
    mine = sorted(e for e, ev in (spec.events.items() if spec else ()) if role in ev.roles)
    return mine[0] if mine else "no_such_event"


def _url(path: str, ids: dict, world: dict, role: str | None = None) -> str:
    """The route with real ids; with ``role``, an event that role may fire (the walk over
    every cell fires none: it would change the records the next cells use)."""
    case = {
        "/assisters/{case_id": ids["assister_id"],
        "/associations/{case_id": ids["association_id"],
        "/exemptions/{case_id": ids["exemption_id"],
        "/staff/cases/": ids["assister_id"],
    }
    case_id = next((v for prefix, v in case.items() if path.startswith(prefix)), 1)
    values = {
        **ABSENT_IDS,
        **ids,
        "case_id": case_id,
        "user_id": world["user_id"],
        "token_id": 10**6,
        "run_id": 1,
        "event": event_for(path, role) if role else "no_such_event",
        "machine": "assister",
        "file": "assister.mmd",
        "token": "not-a-live-link",
        "lang": "es",
    }
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(values[m.group(1)]), path)


# Valid bodies where an empty one would stop at validation, before the record is looked up.
BODIES = {
    "/exemptions": {"justification": "we train our staff ourselves"},
    "/application": {"application_status": "in_progress"},
    "/directory": {"languages": ["en"]},
}


async def _call(client, method: str, url: str, headers: dict):
    body = None
    if method in ("POST", "PUT", "PATCH"):
        event = {"reason": "probe"} if "/events/" in url else {}
        body = next((b for end, b in BODIES.items() if url.endswith(end)), event)
    return await client.request(method, url, json=body, headers=headers)


def _expected(method: str, path: str, role: str) -> set[int] | None:
    """The statuses this cell must give, or ``None`` for "past the guard"."""
    allowed = POLICY[(method, path)]
    if PORTAL_PAGE.match(path) and ANON not in allowed:
        return {303}
    if (method, path, role) in EXPECTED_REFUSALS:
        return {EXPECTED_REFUSALS[(method, path, role)]}
    if ANON in allowed or role in allowed:
        return None
    if PAGE.match(path):
        return {303} if role == ANON else {403}
    return {401} if role == ANON else {403}


# Reads an allowed role gets a 404 for on its own records, on purpose: the example user
# has no such thing (a support user has no clients, nobody has a validation but brokers).
READ_NOT_FOUND = {
    ("/assisters/{assister_id:int}/validation", "*"),
    ("/assisters/{assister_id:int}/validation/history", "*"),
    ("/assisters/{assister_id:int}/validation/diagram.svg", "*"),
    ("/assisters/{assister_id:int}/validation/diagram.mmd", "*"),
    ("/staff/training/imports/{run_id:int}/results.csv", "*"),
    ("/training/sessions/{session_id:int}", "*"),
    ("/staff/training/sessions/{session_id:int}", "*"),
    ("/training/signups/{signup_id:int}", "*"),
    ("/training/signups/{signup_id:int}/diagram.svg", "*"),
    ("/training/signups/{signup_id:int}/diagram.mmd", "*"),
    # A navigator is offered no referrals.
    ("/referrals/{referral_id:int}", T),
    ("/referrals/{referral_id:int}/diagram.svg", T),
    ("/referrals/{referral_id:int}/diagram.mmd", T),
}


def _read_ok(method: str, path: str, role: str, status: int) -> bool:
    """An allowed role reading its own records gets them (or the documented 404)."""
    if method != "GET" or ANON in POLICY[(method, path)]:
        return status not in (401, 403)
    if (path, "*") in READ_NOT_FOUND or (path, role) in READ_NOT_FOUND:
        return status in (200, 404)
    if PAGE.match(path):  # a page may send the signed-in person on to the next step
        return status in (200, 303)
    return 200 <= status < 300


async def test_every_route_for_every_role(client, admin):
    world = await _world(client, admin)
    wrong = []
    for (method, path), _ in sorted(POLICY.items()):
        for role in ROLES:
            url = _url(path, world["own"], world)
            r = await _call(client, method, url, world["users"][role])
            expected = _expected(method, path, role)
            ok = r.status_code in expected if expected else _read_ok(method, path, role,
                                                                    r.status_code)  # fmt: skip
            if not ok or r.status_code >= 500:
                wrong.append(f"{role:12} {method} {url}: {r.status_code} {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


OWNED = {
    T: ("assister_id", "consumer_id", "association_id"),
    G: ("assister_id", "organization_id", "exemption_id"),
    C: ("consumer_id", "association_id"),
}


@pytest.mark.parametrize("role", sorted(OWNED))
async def test_other_peoples_records_are_404_not_403(client, admin, role):
    world = await _world(client, admin)
    probes = []
    for (method, path), allowed in sorted(POLICY.items()):
        params = set(re.findall(r"\{(\w+):", path))
        page = PAGE.match(path) or PORTAL_PAGE.match(path)
        if role not in allowed or not params & set(OWNED[role]) or page:
            continue
        ids = {**world["own"], **{k: world["others"][k] for k in OWNED[role]}}
        url = _url(path, ids, world, role)
        r = await _call(client, method, url, world["users"][role])
        if r.status_code != 404:
            probes.append(f"{method} {url}: {r.status_code} {r.text[:120]}")
    assert not probes, "\n".join(probes)
