"""Parameter types every controller shares, in litestar's explicit style."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter, QueryParameter

from workflow.services.principal import Principal
from workflow.settings import get_settings

_settings = get_settings()

Actor = NamedDependency[Principal]
Id = FromPath[int]
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

__all__ = ["DEFAULT_LIMIT", "Actor", "Id", "Limit", "Offset", "Parameter", "Text"]
