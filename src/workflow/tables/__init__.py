"""Piccolo tables. One module per part of the domain; this package lists them all."""

from workflow.tables.accounts import Account, ApiToken
from workflow.tables.assisters import Assister, NpnStatus
from workflow.tables.associations import Association, ClientStatus
from workflow.tables.consumers import ApplicationStatus, Consumer
from workflow.tables.directory import DirectoryListing
from workflow.tables.exemptions import ExemptionRequest, ExemptionState
from workflow.tables.history import History
from workflow.tables.messages import Delivery, Message
from workflow.tables.optional_courses import OptionalCourseRecord
from workflow.tables.organizations import Organization, OrganizationKind
from workflow.tables.periods import AssociationPeriod, PeriodEnd, PeriodStage
from workflow.tables.portal import (
    OneTimeCode,
    PortalLogin,
    PortalProfile,
    PortalSession,
    RosterApproval,
    RulesAcceptance,
)
from workflow.tables.referrals import Referral, ReferralOffer
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
TABLES += [PortalSession, PortalLogin, OneTimeCode, RulesAcceptance, PortalProfile]
TABLES += [RosterApproval]
TABLES += [TrainingImportAttempt, TrainingImportRun]
TABLES += [TrainingSession, TrainingSignup, OptionalCourseRecord]
TABLES += [AssociationPeriod, DirectoryListing]
TABLES += [Referral, ReferralOffer]

__all__ = [
    "TABLES",
    "Account",
    "ApiToken",
    "ApplicationStatus",
    "Assister",
    "Association",
    "AssociationPeriod",
    "AuditEntry",
    "ClientStatus",
    "Consumer",
    "ConsumerSession",
    "Delivery",
    "DirectoryListing",
    "ExemptionRequest",
    "ExemptionState",
    "LoginAttempt",
    "History",
    "Message",
    "OptionalCourseRecord",
    "NpnStatus",
    "NpnValidation",
    "OneTimeCode",
    "PortalLogin",
    "PortalProfile",
    "PortalSession",
    "RosterApproval",
    "RulesAcceptance",
    "Organization",
    "OrganizationKind",
    "PeriodEnd",
    "PeriodStage",
    "ProducerRecord",
    "Referral",
    "ReferralOffer",
    "RecordKind",
    "TrainingImportAttempt",
    "TrainingSession",
    "TrainingSignup",
    "TrainingImportRun",
    "TrainingRecord",
]
