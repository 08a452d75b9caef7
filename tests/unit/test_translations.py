"""Every string of the assister, agency and consumer pages has its Spanish; the
placeholders survive translation; pages render in the language asked for. The strings
are extracted from the sources as ``make messages`` does (babel.cfg), so a new template
string fails here until the catalogue has it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from workflow.assisters.machine import EMAIL_MISMATCH, NUMBER_MISMATCH
from workflow.core import i18n
from workflow.core.templating import environment

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "src/workflow/locale/es/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted(root: Path = ROOT) -> dict[str, str]:
    """msgid -> where it is, for every string babel.cfg marks for translation."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {}
    for filename, _, message, _, _ in extract_from_dir(
        str(root), method_map, options_map, keywords={"N_": None, "_": None, "gettext": None}
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found.setdefault(msgid, filename)
    return found


def spanish() -> dict[str, str]:
    with CATALOGUE.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_every_page_string_has_spanish():
    strings, catalogue = extracted(), spanish()
    assert len(strings) > 250  # the extraction did find the pages
    missing = sorted(
        f"{where}: {msgid!r}" for msgid, where in strings.items() if not catalogue.get(msgid)
    )
    assert not missing, "no Spanish for (run make messages, then translate):\n" + "\n".join(missing)


def test_the_check_sees_a_new_string(tmp_path):
    """A template string added without a translation would fail the test above."""
    folder = tmp_path / "src/workflow/templates/pages/portal"
    folder.mkdir(parents=True)
    (folder / "new.html").write_text('<p>{{ _("A sentence nobody translated yet") }}</p>')
    assert "A sentence nobody translated yet" in extracted(tmp_path)
    assert "A sentence nobody translated yet" not in spanish()


def test_translations_keep_their_placeholders():
    wrong = {
        msgid: text
        for msgid, text in spanish().items()
        if text and sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))
    }
    assert not wrong


def test_the_apis_activation_sentences_are_translated():
    for sentence in (NUMBER_MISMATCH, EMAIL_MISMATCH):
        assert i18n.gettext("es", sentence) != sentence


@pytest.mark.parametrize(
    "header, lang",
    [
        ("es-MX,es;q=0.9,en;q=0.5", "es"),
        ("en-US,en;q=0.9", "en"),
        ("fr, es;q=0.4", "es"),
        ("de", "en"),
        ("", "en"),
        ("es;q=0, en", "en"),
    ],
)
def test_accept_language(header, lang):
    assert i18n.from_accept_language(header) == lang


def test_the_record_wins_over_the_cookie_and_the_browser():
    assert i18n.choose("es", "en", "en") == "es"
    assert i18n.choose(None, "es", "en") == "es"
    assert i18n.choose(None, None, "es") == "es"
    assert i18n.choose("xx", None, None) == "en"


def test_a_template_renders_in_the_contexts_language():
    template = environment().from_string('{{ _("Sign in") }} {{ when|day }}')
    from datetime import date

    assert template.render(lang="es", when=date(2026, 11, 29)) == "Entrar 29/11/2026"
    assert template.render(lang="en", when=date(2026, 11, 29)) == "Sign in November 29, 2026"
