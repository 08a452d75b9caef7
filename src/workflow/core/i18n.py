"""Pages in English and Spanish: gettext catalogues, one mechanism for every page.

How to translate a page (for anyone adding one):

1. In the template, wrap every sentence a person reads in ``{% trans %}...{% endtrans %}``
   or ``{{ _("...") }}`` (placeholders: ``{% trans name=x %}Hello {{ name }}{% endtrans %}``
   or ``_("Hello %(name)s", name=x)``). Python strings shown on a page: mark them with
   ``N_("...")`` where they are written and show them with ``{{ _(text) }}`` (or
   ``gettext(lang, text)`` in Python).
2. Render it with ``lang`` in its context (``portal/rendering.py`` and
   ``web/rendering.py`` put it there from the user's record, the language switch's
   cookie, or ``Accept-Language`` before sign-in: :func:`choose`).
3. ``make messages`` extracts the strings into ``locale/messages.pot`` and merges them into
   ``locale/es/LC_MESSAGES/messages.po``; write each ``msgstr``. A test
   (``tests/unit/test_translations.py``) fails while a page's string has no Spanish.
4. ``make install`` compiles the ``.mo``; without one (or with a stale one) the ``.po`` is
   compiled in memory at first use, so a checkout works either way.

The language is a template variable, not global state: gettext is installed with
``pass_context`` callables that read ``lang`` from the template's context, so concurrent
requests in different languages never mix.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

LOCALE_DIR = Path(__file__).parent.parent / "locale"
LANGUAGES = ("en", "es")
DEFAULT = "en"
NAMES = {"en": "English", "es": "Español"}
COOKIE = "workflow_lang"  # the language switch's choice before sign-in


def supported(lang: str | None) -> str:
    """``lang`` if we have pages in it, else English."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of ``lang``: the compiled ``.mo`` when it is at least as new as the
    ``.po``, else the ``.po`` compiled in memory. English is the source: no catalogue."""
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / "messages.po", folder / "messages.mo"
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as f:
            return _gettext.GNUTranslations(f)
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark, translate later")
    """Marks a Python string for the catalogue; pages translate it when they show it."""
    return message


def gettext(lang: str, message: str, **values: object) -> str:
    text = translations(supported(lang)).gettext(message)
    return text % values if values else text


def ngettext(lang: str, singular: str, plural: str, n: int, **values: object) -> str:
    text = translations(supported(lang)).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def _lang_of(context: Context) -> str:
    return supported(context.get("lang"))


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return translations(_lang_of(context)).gettext(message)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(_lang_of(context)).ngettext(singular, plural, n)


@pass_context
def _day(context: Context, moment: date | datetime | None) -> str:
    """A date as people read it in the page's language: ``November 29, 2026`` or
    ``29/11/2026``."""
    if moment is None:
        return ""
    return moment.strftime("%d/%m/%Y" if _lang_of(context) == "es" else "%B %d, %Y")


def install(env: Environment) -> None:
    """Give ``env`` the i18n extension with gettext reading the context's ``lang``
    (``newstyle``: ``_()`` escapes and formats like the rest of the template), and the
    ``day`` filter for dates."""
    env.add_extension("jinja2.ext.i18n")
    env.filters["day"] = _day
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True
    )


def from_accept_language(header: str | None) -> str:
    """The first language in ``Accept-Language`` we have pages in (by q-value)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and quality > 0:
            choices.append((-quality, position, code))
    return min(choices)[2] if choices else DEFAULT


def choose(record: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language of a page: the user's record when signed in, else the switch's
    cookie, else the browser's ``Accept-Language``."""
    for candidate in (record, cookie):
        if candidate and supported(candidate) == candidate[:2].lower():
            return supported(candidate)
    return from_accept_language(accept_language)


def others(lang: str) -> Iterable[tuple[str, str]]:
    """The languages a page's switch offers: (code, name in that language)."""
    return [(code, NAMES[code]) for code in LANGUAGES if code != lang]
