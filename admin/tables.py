"""The tables staff see in the admin, grouped the way the work is: list columns, filters
(which double as search: text filters match part of a value), default order, and what may
change (see ``admin/rules.py``)."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo_admin.endpoints import TableConfig
from piccolo_api.crud.endpoints import OrderBy

from admin.rules import editable_hook, validators
from workflow.tables import (
    Account,
    ApiToken,
    Assister,
    Association,
    AuditEntry,
    Consumer,
    ExemptionRequest,
    History,
    LoginAttempt,
    Message,
    NpnValidation,
    Organization,
    ProducerRecord,
    TrainingRecord,
)

ASSISTERS, CONSUMERS, SUPPORT, AUDIT = "Assisters", "Consumers", "Support", "Audit"
VIA_API = "use the API (POST /assisters, /associations, ...) or the admin's forms"


# What the admin's page is told (``ui_extras``): per table, the fields it may change and
# whether rows may be added here; filled as the configs are built.
EDITABLE: dict[str, list[str]] = {}
ADDABLE: list[str] = []


def config(table, group, columns, filters, order, *, editable=(), creates=VIA_API):
    EDITABLE[table._meta.tablename] = sorted(editable)
    if creates is None:
        ADDABLE.append(table._meta.tablename)
    return TableConfig(
        table_class=table,
        menu_group=group,
        visible_columns=columns,
        visible_filters=filters,
        order_by=order,
        validators=validators(creates=creates),
        hooks=[editable_hook(table, set(editable))],
    )


class StaffMessage(Message, tablename="messages"):
    """The admin's view of the mailbox and outbox, without the body: it may hold a
    one-time Registration Number, which is the assister's alone. Staff see the subject
    and template; the assister reads the body in their mailbox."""

    body = None  # not a column here: never listed, shown or sent to the browser


def newest(column) -> list[OrderBy]:
    return [OrderBy(column, ascending=False)]


def table_configs() -> list[TableConfig]:
    a, o, c, s, v = Assister, Organization, Consumer, Association, NpnValidation
    m = StaffMessage
    return [
        config(o, ASSISTERS, [o.id, o.name, o.kind, o.created_at], [o.name, o.kind],
               [OrderBy(o.name)], editable={"name", "kind"}, creates=None),
        config(a, ASSISTERS,
               [a.id, a.name, a.kind, a.state, a.organization, a.npn_status, a.reference_number,
                a.email, a.updated_at],
               [a.state, a.kind, a.organization, a.npn_status, a.name, a.email, a.npn,
                a.reference_number, a.onboarded_on, a.created_at, a.updated_at],
               newest(a.updated_at), editable={"email", "phone", "language"},
               creates="use the form 'New assister' (it issues the Reference Number)"),
        config(TrainingRecord, ASSISTERS,
               [TrainingRecord.id, TrainingRecord.assister, TrainingRecord.training_year,
                TrainingRecord.kind, TrainingRecord.course, TrainingRecord.score,
                TrainingRecord.passed, TrainingRecord.recorded_at],
               [TrainingRecord.assister, TrainingRecord.training_year, TrainingRecord.kind,
                TrainingRecord.course, TrainingRecord.passed, TrainingRecord.recorded_at],
               newest(TrainingRecord.recorded_at),
               creates="training and exams are recorded by the lifecycle's events"),
        config(ExemptionRequest, ASSISTERS,
               [ExemptionRequest.id, ExemptionRequest.organization, ExemptionRequest.state,
                ExemptionRequest.requested_by, ExemptionRequest.decided_by,
                ExemptionRequest.created_at],
               [ExemptionRequest.state, ExemptionRequest.organization,
                ExemptionRequest.created_at],
               newest(ExemptionRequest.created_at)),
        config(m, ASSISTERS,
               [m.id, m.template, m.assister, m.consumer, m.subject, m.delivery, m.created_at],
               [m.template, m.assister, m.consumer, m.delivery, m.language, m.created_at],
               newest(m.created_at), creates="messages are written by the service"),
        config(c, CONSUMERS,
               [c.id, c.name, c.email, c.application_status, c.created_at],
               [c.name, c.email, c.application_status, c.created_at],
               [OrderBy(c.name)], editable={"name", "email", "phone", "address", "language"},
               creates="use `workflow users create NAME --role consumer`"),
        config(s, CONSUMERS,
               [s.id, s.consumer, s.assister, s.state, s.client_status, s.requested_at,
                s.confirmed_at, s.ended_at],
               [s.state, s.client_status, s.assister, s.consumer, s.requested_at,
                s.confirmed_at, s.ended_at],
               newest(s.requested_at)),
        config(v, SUPPORT,
               [v.id, v.assister, v.state, v.failure, v.stuck_since, v.escalated_at,
                v.attempts, v.updated_at],
               [v.assister, v.state, v.failure, v.stuck_since, v.escalated_at, v.updated_at],
               [OrderBy(v.stuck_since)], creates="a broker's validation starts with them"),
        config(ProducerRecord, SUPPORT, None, None, None,
               creates="load the registry with `workflow registry load FILE.csv`"),
        config(History, AUDIT,
               [History.id, History.machine, History.entity_id, History.event,
                History.from_state, History.to_state, History.actor, History.reason,
                History.at],
               [History.machine, History.entity_id, History.event, History.to_state,
                History.actor, History.at],
               newest(History.at), creates="history is written by the machines"),
        config(AuditEntry, AUDIT,
               [AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.role,
                AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id,
                AuditEntry.outcome],
               [AuditEntry.actor, AuditEntry.action, AuditEntry.object_type,
                AuditEntry.object_id, AuditEntry.outcome, AuditEntry.at],
               newest(AuditEntry.at), creates="the audit log is written by the service"),
        config(LoginAttempt, AUDIT, None,
               [LoginAttempt.username, LoginAttempt.success, LoginAttempt.channel,
                LoginAttempt.at],
               newest(LoginAttempt.at), creates="sign-ins are recorded by the service"),
        config(BaseUser, AUDIT,
               [BaseUser.id, BaseUser.username, BaseUser.email, BaseUser.active,
                BaseUser.admin, BaseUser.superuser, BaseUser.last_login],
               [BaseUser.username, BaseUser.email, BaseUser.active, BaseUser.admin],
               [OrderBy(BaseUser.username)], editable={"first_name", "last_name", "email"},
               creates="use the form 'Create user' (it sets the role and shows the token once)"),
        config(Account, AUDIT,
               [Account.id, Account.user, Account.role, Account.organization, Account.assister,
                Account.locked_until],
               [Account.role, Account.organization, Account.locked_until],
               [OrderBy(Account.id)], creates="use the form 'Create user'"),
        config(ApiToken, AUDIT,
               [ApiToken.id, ApiToken.account, ApiToken.label, ApiToken.created_at,
                ApiToken.expires_at, ApiToken.revoked, ApiToken.last_used_at],
               [ApiToken.account, ApiToken.revoked, ApiToken.expires_at],
               newest(ApiToken.created_at), creates="use the form 'Issue token'"),
    ]  # fmt: skip
