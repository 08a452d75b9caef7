"""What each NPN validation outcome tells the broker, in the words they know from the
marketplace ("NPN validation failed", "Saving Data Failed"), and what support reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.assisters.marketplace import AGENT_BROKER_ROLES, MarketplaceRole
from workflow.core.sensitive import NOT_LICENSE_OR_TAX_ID, NPN_LOOKUP
from workflow.core.settings import get_settings
from workflow.validations.machine import ValidationState

_V = ValidationState
MEANWHILE = (
    "Meanwhile you may continue to training by choosing 'Not an Agent Broker' as your "
    "marketplace role."
)
STATE_DOI = "your state Department of Insurance"

MESSAGES = {
    _V.not_checked: (
        "Your NPN has not been checked yet. Enter your National Producer Number (NPN) in "
        "your profile and save."
    ),
    _V.valid: (
        "Your NPN is validated. Choose an Agent Broker role (Individual, SHOP, or both) in "
        "your profile to continue."
    ),
    _V.npn_mismatch: (
        "NPN validation failed: your name and/or NPN does not match the National Insurance "
        f"Producer Registry (NIPR). Look up your record at {NPN_LOOKUP}. If only your NPN is "
        "wrong, correct it in your profile and save again; "
        f"{NOT_LICENSE_OR_TAX_ID}. If your name does not match, contact support: they will "
        f"confirm your identity and update your record. {MEANWHILE}"
    ),
    _V.missing_ssn: (
        "Saving Data Failed: your account was created without a Social Security Number, "
        "which is needed to validate your NPN. Only support can fix this: contact the "
        "Marketplace Service Desk; a representative will confirm your identity using the "
        f"producer registry and update your information. {MEANWHILE}"
    ),
    _V.no_license: (
        "NPN validation failed: the producer registry shows no active state license for "
        f"your NPN. Fix your license with {STATE_DOI}, then save your profile again to "
        f"validate your NPN. {MEANWHILE}"
    ),
    _V.no_health_loa: (
        "NPN validation failed: your license has no health-related line of authority (LOA). "
        f"Add a health line of authority with {STATE_DOI}, then save your profile again to "
        f"validate your NPN. {MEANWHILE}"
    ),
    _V.loa_inactive: (
        "NPN validation failed: your health line of authority (LOA) is not active. "
        f"Reactivate it with {STATE_DOI}, then save your profile again to validate your "
        f"NPN. {MEANWHILE}"
    ),
    _V.registry_unavailable: (
        "We could not reach the producer registry to check your NPN. Nothing is wrong with "
        "your profile: we will try again automatically, or save your profile again later. "
        f"{MEANWHILE}"
    ),
    _V.escalated: (
        "Support is working on your NPN validation; it is usually resolved within {due} to "
        f"{{breach}} business days. {MEANWHILE}"
    ),
    _V.resolved: (
        "Support resolved your NPN validation issue and your NPN is being validated again. "
        "Once it is valid, update your marketplace role to one of the Agent Broker options "
        "(Individual, SHOP, or both)."
    ),
}


VALID_WITH_ROLE = "Your NPN is validated. You may continue as an agent or broker."
VALID_NOT_AGENT_BROKER = (
    "Your NPN is validated. Your marketplace role is still 'Not an Agent Broker': update it "
    "to one of the Agent Broker options (Individual, SHOP, or both) to take part in the "
    "Marketplace."
)


# An open support case, followed by what the last check found (that failure's message,
# which says what the broker can do meanwhile, e.g. fix their license with their state).
ESCALATED_WITH_FAILURE = (
    "Support is working on your NPN validation; it is usually resolved within {due} to "
    "{breach} business days. What the last check found: "
)


def broker_message(
    state: str,
    due_days: int = 5,
    breach_days: int = 7,
    role: str | None = None,
    failure: str | None = None,
) -> str:
    """The message for ``state``; support's SLA (business days) fills in the wait, a
    valid broker's marketplace role says what is left to do, and an open support case
    keeps the message of the ``failure`` it is open for."""
    if state == _V.valid and role in AGENT_BROKER_ROLES:
        return VALID_WITH_ROLE
    if state == _V.valid and role == MarketplaceRole.not_agent_broker:
        return VALID_NOT_AGENT_BROKER
    text = MESSAGES[ValidationState(state)]
    if state == _V.escalated and failure in MESSAGES and failure != _V.escalated:
        text = ESCALATED_WITH_FAILURE + MESSAGES[ValidationState(failure)]
    return text.replace("{due}", str(due_days)).replace("{breach}", str(breach_days))


def staff_detail(state: str, data: Mapping[str, Any]) -> str | None:
    """What support reads about an outcome of ``revalidate`` (``data`` is its data)."""
    npn, record = data.get("npn"), data.get("record") or {}
    loas = "; ".join(f"{x['name']}:{x['status']}" for x in record.get("lines_of_authority", []))
    registry_name = f"{record.get('first_name')} {record.get('last_name')}"
    details = {
        _V.missing_ssn: "no SSN was given when the account was created; identity not confirmed",
        _V.registry_unavailable: f"registry lookup failed: {data.get('error') or 'no answer'}",
        _V.npn_mismatch: (
            f"profile name {data.get('name')!r} does not match registry name "
            f"{registry_name!r} for NPN {npn}"
            if record
            else f"NPN {npn} is not in the producer registry"
        ),
        _V.no_license: f"license status {record.get('license_status')!r} in {record.get('state')}",
        _V.no_health_loa: f"no health-related line of authority; has: {loas or 'none'}",
        _V.loa_inactive: f"health line of authority not active; has: {loas or 'none'}",
    }
    return details.get(ValidationState(state))


def message_for(state: str, role: str | None = None, failure: str | None = None) -> str:
    settings = get_settings()
    return broker_message(
        state,
        settings.validation_sla_due_business_days,
        settings.validation_sla_breach_business_days,
        role,
        failure,
    )
