"""Piccolo tables. One module per part of the domain; this package lists them all."""

from workflow.tables.accounts import Account, ApiToken
from workflow.tables.assisters import Assister, NpnStatus
from workflow.tables.associations import Association, ClientStatus
from workflow.tables.consumers import ApplicationStatus, Consumer
from workflow.tables.exemptions import ExemptionRequest, ExemptionState
from workflow.tables.history import History
from workflow.tables.messages import Delivery, Message
from workflow.tables.optional_courses import OptionalCourseRecord
from workflow.tables.organizations import Organization, OrganizationKind
from workflow.tables.registry import ProducerRecord
from workflow.tables.security import AuditEntry, LoginAttempt
from workflow.tables.sessions import ConsumerSession
from workflow.tables.training import RecordKind, TrainingRecord
from workflow.tables.training_imports import TrainingImportAttempt, TrainingImportRun
from workflow.tables.training_sessions import TrainingSession, TrainingSignup
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
    Consumer,
    Association,
    ConsumerSession,
    AuditEntry,
    LoginAttempt,
]
TABLES += [NpnValidation, ProducerRecord]
TABLES += [TrainingImportAttempt, TrainingImportRun]
TABLES += [TrainingSession, TrainingSignup, OptionalCourseRecord]

__all__ = [
    "TABLES",
    "Account",
    "ApiToken",
    "ApplicationStatus",
    "Assister",
    "Association",
    "AuditEntry",
    "ClientStatus",
    "Consumer",
    "ConsumerSession",
    "Delivery",
    "ExemptionRequest",
    "ExemptionState",
    "LoginAttempt",
    "History",
    "Message",
    "OptionalCourseRecord",
    "NpnStatus",
    "NpnValidation",
    "Organization",
    "OrganizationKind",
    "ProducerRecord",
    "RecordKind",
    "TrainingImportAttempt",
    "TrainingSession",
    "TrainingSignup",
    "TrainingImportRun",
    "TrainingRecord",
]
