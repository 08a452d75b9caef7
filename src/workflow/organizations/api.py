"""Organisations: the agencies and entities assisters belong to."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from workflow.organizations import service as svc
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Limit, Offset
from workflow.web.schemas import NewOrganizationBody, OrganizationOut, OrganizationPage, convert


class OrganizationController(Controller):
    path = "/organizations"
    tags = ["organizations"]

    @post("/", opt=allow("admin"), status_code=201)
    async def create(self, data: JSONBody[NewOrganizationBody]) -> OrganizationOut:
        """Create an agency or entity (admin)."""
        return convert(await svc.create_organization(data.name, data.kind), OrganizationOut)

    @get("/", opt=allow("admin", "support"))
    async def list_organizations(
        self, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
    ) -> OrganizationPage:
        """Organisations by name, with the total count."""
        items, total = await svc.list_organizations(limit, offset)
        return OrganizationPage(convert(items, list[OrganizationOut]), total, limit, offset)
