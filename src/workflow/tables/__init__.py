"""Piccolo tables. One module per part of the domain; this package lists them all."""

from workflow.tables.accounts import Account, ApiToken, Role
from workflow.tables.assisters import Assister, NpnStatus
from workflow.tables.history import History
from workflow.tables.messages import Message
from workflow.tables.organizations import Organization, OrganizationKind

TABLES = [Organization, Assister, Account, ApiToken, History, Message]

__all__ = [
    "TABLES",
    "Account",
    "ApiToken",
    "Assister",
    "History",
    "Message",
    "NpnStatus",
    "Organization",
    "OrganizationKind",
    "Role",
]
