"""The litestar application: routes, the global role guard, error mapping, templates."""

from __future__ import annotations

import logging

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from admin.pages import StaffPages
from admin.site import admin_mount
from workflow.api.assisters import AssisterController
from workflow.api.associations import AssociationController
from workflow.api.audit_hooks import audit_token_writes
from workflow.api.auth import ANONYMOUS, allow, authorize, current_principal
from workflow.api.clients import ClientController
from workflow.api.consumer_login import ConsumerLoginController
from workflow.api.consumer_pages import ConsumerPagesController
from workflow.api.consumers import ConsumerController
from workflow.api.diagrams import CASE_DIAGRAM_ROUTES, DiagramController, diagrams_page
from workflow.api.errors import EXCEPTION_HANDLERS
from workflow.api.exemptions import ExemptionController
from workflow.api.headers import add_security_headers
from workflow.api.organizations import OrganizationController
from workflow.api.path_ids import ids_in_range
from workflow.api.registration_list import ROUTES as REGISTRATION_LIST_ROUTES
from workflow.api.screening import screen_request
from workflow.api.support import SupportController
from workflow.api.system import ROUTES as SYSTEM_ROUTES
from workflow.api.users import UserController
from workflow.api.validations import VALIDATION_DIAGRAM_ROUTES, ValidationController
from workflow.db import connect, disconnect
from workflow.services.scheduler import start_jobs
from workflow.settings import Settings, get_settings
from workflow.templating import environment

log = logging.getLogger("workflow")

ROUTE_HANDLERS = [
    *SYSTEM_ROUTES,
    AssisterController,
    OrganizationController,
    ExemptionController,
]
ROUTE_HANDLERS += [ConsumerController, AssociationController, ClientController]
ROUTE_HANDLERS += [ConsumerLoginController, ConsumerPagesController]
ROUTE_HANDLERS += [DiagramController, diagrams_page, *CASE_DIAGRAM_ROUTES]
ROUTE_HANDLERS += [UserController]

ROUTE_HANDLERS += [ValidationController, SupportController, *VALIDATION_DIAGRAM_ROUTES]
ROUTE_HANDLERS += REGISTRATION_LIST_ROUTES
ROUTE_HANDLERS += [admin_mount, StaffPages]


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
        before_send=[add_security_headers, audit_token_writes],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment())),
        openapi_config=OpenAPIConfig(
            title="workflow",
            version="0.1.0",
            description="Assister program back office: lifecycle, associations, validations.",
            # The API's own description is public, like the home page.
            openapi_router=Router(path="/schema", route_handlers=[], opt=allow(ANONYMOUS)),
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"BearerToken": []}],
        ),
        request_max_body_size=settings.request_max_body_bytes,
        on_startup=[_open_database] if manage_database else [],
        on_shutdown=[_close_database] if manage_database else [],
        debug=False,
    )
