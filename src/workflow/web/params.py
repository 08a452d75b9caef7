"""Parameter types every controller shares, in litestar's explicit style."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter, QueryParameter
from msgspec import Meta

from workflow.core.principal import Principal
from workflow.core.settings import get_settings
from workflow.web.path_ids import MAX_ID

_settings = get_settings()

Actor = NamedDependency[Principal]
Id = FromPath[int]
# A row's id in a body or a filter: in range for every engine, or a 400 naming the field.
RowId = Annotated[int, Meta(ge=1, le=MAX_ID)]
IdFilter = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Limit = Annotated[
    int,
    QueryParameter(
        ge=1,
        le=_settings.max_page_size,
        description=f"page size (at most {_settings.max_page_size})",
    ),
]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="rows to skip")]
DEFAULT_LIMIT = _settings.default_page_size
Text = Annotated[str | None, QueryParameter(max_length=200)]

__all__ = [
    "DEFAULT_LIMIT",
    "Actor",
    "Id",
    "IdFilter",
    "Limit",
    "Offset",
    "Parameter",
    "RowId",
    "Text",
]
