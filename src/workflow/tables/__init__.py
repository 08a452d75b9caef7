"""Piccolo tables. One module per part of the domain; this package lists them all."""

from workflow.tables.accounts import Account, ApiToken, Role
from workflow.tables.assisters import Assister, NpnStatus
from workflow.tables.exemptions import ExemptionRequest, ExemptionState
from workflow.tables.history import History
from workflow.tables.messages import Delivery, Message
from workflow.tables.organizations import Organization, OrganizationKind
from workflow.tables.registry import ProducerRecord
from workflow.tables.training import RecordKind, TrainingRecord
from workflow.tables.validations import NpnValidation

TABLES = [
    Organization,
    Assister,
    Account,
    ApiToken,
    History,
    Message,
    TrainingRecord,
    ExemptionRequest,
]
TABLES += [NpnValidation, ProducerRecord]

__all__ = [
    "TABLES",
    "Account",
    "ApiToken",
    "Assister",
    "Delivery",
    "ExemptionRequest",
    "ExemptionState",
    "History",
    "Message",
    "NpnStatus",
    "NpnValidation",
    "Organization",
    "OrganizationKind",
    "ProducerRecord",
    "RecordKind",
    "Role",
    "TrainingRecord",
]
