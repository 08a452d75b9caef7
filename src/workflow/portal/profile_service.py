"""What an assister keeps on their portal profile besides the program's record (that is
``assisters/profiles.py``): languages with speaking, reading and writing levels, hours of
operation, website, preferred contact method. And their own API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflow.accounts.tokens import forget_tokens, issue_token
from workflow.core.errors import BadInput, NotFound
from workflow.core.i18n import N_
from workflow.core.principal import Principal
from workflow.core.sensitive import looks_like_ssn, ssn_refusal
from workflow.engine import audit
from workflow.tables import ApiToken, PortalProfile

LEVELS = ("basic", "conversational", "fluent", "native")
CONTACT_METHODS = ("email", "phone")
MAX_LANGUAGES = 5
EMPTY = {"languages": [], "hours": "", "website": "", "preferred_contact": "email"}


async def extras(assister_id: int) -> dict[str, Any]:
    row = (
        await PortalProfile.select()
        .where(PortalProfile.assister == assister_id)
        .output(load_json=True)
        .first()
    )
    return row or dict(EMPTY)


def clean_languages(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for row in rows:
        name = row.get("language", "").strip()
        if not name:
            continue
        if len(name) > 40:
            raise BadInput(N_("Give each language's name in at most 40 characters."), "languages")
        levels = {skill: row.get(skill, "") for skill in ("speaking", "reading", "writing")}
        if any(level not in LEVELS for level in levels.values()):
            raise BadInput(N_("Choose a level for speaking, reading and writing."), "languages")
        out.append({"language": name, **levels})
    return out[:MAX_LANGUAGES]


async def save_extras(
    assister_id: int, languages: list[dict[str, str]], hours: str, website: str, contact: str
) -> None:
    website = website.strip()
    if website and not website.startswith(("https://", "http://")) or len(website) > 200:
        raise BadInput(N_("Give the website as a full address starting with https://"), "website")
    if contact not in CONTACT_METHODS:
        raise BadInput(N_("Choose e-mail or phone as your preferred contact method."), "contact")
    if len(hours) > 500:
        raise BadInput(N_("Describe your hours in at most 500 characters."), "hours")
    for field, value in (("hours", hours), ("website", website)):
        if looks_like_ssn(value):
            raise BadInput(ssn_refusal(field), field)
    values = {
        "languages": clean_languages(languages),
        "hours": hours.strip(),
        "website": website,
        "preferred_contact": contact,
        "updated_at": datetime.now(UTC),
    }
    if await PortalProfile.exists().where(PortalProfile.assister == assister_id):
        columns = {PortalProfile._meta.get_column_by_name(k): v for k, v in values.items()}
        await PortalProfile.update(columns).where(PortalProfile.assister == assister_id)
    else:
        await PortalProfile.insert(PortalProfile(assister=assister_id, **values))


async def own_tokens(actor: Principal) -> list[dict[str, Any]]:
    return (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.label,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.last_used_at,
        )
        .where((ApiToken.account == actor.account_id) & (ApiToken.revoked == False))  # noqa: E712
        .order_by(ApiToken.id)
    )


async def mint(actor: Principal, label: str) -> str:
    label = label.strip()[:100] or "made on the profile page"
    token = await issue_token(actor.account_id, label=label)
    await audit.record(
        "token_issued",
        "success",
        actor=actor,
        object_type="user",
        object_id=actor.user_id,
        detail={"label": label, "channel": "portal"},
    )
    return token


async def revoke(actor: Principal, token_id: int) -> None:
    rows = (
        await ApiToken.update({ApiToken.revoked: True})
        .where((ApiToken.id == token_id) & (ApiToken.account == actor.account_id))
        .returning(ApiToken.id)
    )
    if not rows:
        raise NotFound(N_("That token is not one of yours (or it was revoked already)."))
    forget_tokens()
    await audit.record(
        "token_revoked", "success", actor=actor, object_type="token", object_id=token_id
    )
