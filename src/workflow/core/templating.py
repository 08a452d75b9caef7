"""The jinja2 environment for pages and e-mails, built once. Pages translate with
gettext (``core/i18n.py`` says how): a template's ``lang`` variable picks the language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from workflow.core import i18n

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    i18n.install(env)
    return env
