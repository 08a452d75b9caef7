"""The litestar application: routes, the global role guard, error mapping, templates."""

from __future__ import annotations

import logging

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from admin.case_list import CaseLists
from admin.case_page import CasePages
from admin.pages import StaffPages
from admin.readiness_pages import ReadinessPages
from admin.session_pages import SessionPages
from admin.site import admin_mount
from admin.training_pages import TrainingImportPages
from workflow.accounts.api import UserController
from workflow.assisters.api import AssisterController
from workflow.assisters.registration_list_api import ROUTES as REGISTRATION_LIST_ROUTES
from workflow.associations.api import AssociationController
from workflow.associations.clients_api import ClientController
from workflow.associations.periods_api import ROUTES as PERIOD_ROUTES
from workflow.consumers.api import ConsumerController
from workflow.consumers.login_pages import ConsumerLoginController
from workflow.consumers.pages import ConsumerPagesController
from workflow.core.settings import Settings, get_settings
from workflow.core.templating import environment
from workflow.db import connect, disconnect
from workflow.diagrams.api import DiagramController, case_diagram_routes, diagrams_page
from workflow.directory.api import ROUTES as DIRECTORY_ROUTES
from workflow.exemptions.api import ExemptionController
from workflow.organizations.api import OrganizationController
from workflow.portal.routes import PORTAL_ROUTES
from workflow.readiness.api import ReadinessController
from workflow.referrals.api import ROUTES as REFERRAL_ROUTES
from workflow.registry import KINDS
from workflow.search.api import SearchController, SearchPage
from workflow.sessions.api import SessionController
from workflow.sessions.pages import TrainingPortalPages
from workflow.sweep.scheduler import start_jobs
from workflow.validations.api import ValidationController
from workflow.validations.support_api import SupportController
from workflow.web.api_docs import render_plugins, static_files
from workflow.web.audit_hooks import audit_token_writes
from workflow.web.auth import ANONYMOUS, allow, authorize, current_principal
from workflow.web.errors import EXCEPTION_HANDLERS
from workflow.web.event_routes import event_route
from workflow.web.headers import add_security_headers
from workflow.web.metrics_api import ROUTES as METRICS_ROUTES
from workflow.web.path_ids import ids_in_range
from workflow.web.request_metrics import request_metrics
from workflow.web.screening import screen_request
from workflow.web.system import ROUTES as SYSTEM_ROUTES

log = logging.getLogger("workflow")

ROUTE_HANDLERS = [
    *SYSTEM_ROUTES,
    AssisterController,
    OrganizationController,
    ExemptionController,
]
ROUTE_HANDLERS += [ConsumerController, AssociationController, ClientController]
ROUTE_HANDLERS += [ConsumerLoginController, ConsumerPagesController]
ROUTE_HANDLERS += [DiagramController, diagrams_page]
ROUTE_HANDLERS += [UserController]
ROUTE_HANDLERS += [static_files]
ROUTE_HANDLERS += PORTAL_ROUTES
ROUTE_HANDLERS += PERIOD_ROUTES
ROUTE_HANDLERS += DIRECTORY_ROUTES
ROUTE_HANDLERS += REFERRAL_ROUTES

ROUTE_HANDLERS += [ValidationController, SupportController]
ROUTE_HANDLERS += REGISTRATION_LIST_ROUTES
ROUTE_HANDLERS += METRICS_ROUTES
ROUTE_HANDLERS += [admin_mount, StaffPages, CasePages]
ROUTE_HANDLERS += [SearchController, SearchPage, CaseLists]
ROUTE_HANDLERS += [TrainingImportPages, SessionPages, ReadinessPages]
ROUTE_HANDLERS += [SessionController, ReadinessController, TrainingPortalPages]
# Every machine's events and per-case diagram, from the registry: a new kind gets both.
for kind in KINDS.values():
    ROUTE_HANDLERS += [event_route(kind), *case_diagram_routes(kind)]


async def _open_database(app: Litestar) -> None:
    await connect()
    app.state.jobs = start_jobs(get_settings())


async def _close_database(app: Litestar) -> None:
    for job in getattr(app.state, "jobs", []):
        job.cancel()
    await disconnect()


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> Litestar:
    """Build the app. Tests pass ``manage_database=False`` and own the engine themselves."""
    settings = settings or get_settings()
    return Litestar(
        route_handlers=ROUTE_HANDLERS,
        # Who may call first (401/403 before anything about the request is revealed).
        guards=[authorize, ids_in_range],
        dependencies={"actor": Provide(current_principal, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=screen_request,
        middleware=[request_metrics],
        before_send=[add_security_headers, audit_token_writes],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment())),
        openapi_config=OpenAPIConfig(
            title="workflow",
            version="0.1.0",
            description="Assister program back office: lifecycle, associations, validations.",
            # The API's own description is public, like the home page.
            openapi_router=Router(
                path="/schema", route_handlers=[], opt=allow(ANONYMOUS), include_in_schema=False
            ),
            # Swagger UI from files shipped in the package; error answers in the document.
            render_plugins=render_plugins(),
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"BearerToken": []}],
        ),
        request_max_body_size=settings.request_max_body_bytes,
        on_startup=[_open_database] if manage_database else [],
        on_shutdown=[_close_database] if manage_database else [],
        debug=False,
        # JSON logs: the root logger is serve's (core/logs.py); litestar's own would not be.
        **({"logging_config": None} if settings.log_format == "json" else {}),
    )
