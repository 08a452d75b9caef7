"""The registry file format, name matching and the numbers people mistake for an NPN."""

import pytest

from workflow.core.errors import BadInput
from workflow.core.sensitive import looks_like_ssn, npn_problem
from workflow.validations.producer import LineOfAuthority, names_match
from workflow.validations.registry_file import parse_loas, parse_registry_csv, sample_csv

HEADER = "npn,first_name,last_name,state,license_number,license_status,lines_of_authority\n"


def test_the_sample_parses_and_covers_every_registry_outcome():
    records = {r.npn: r for r in parse_registry_csv(sample_csv())}
    assert len(records) >= 13
    statuses = {r.license_status for r in records.values()}
    assert {"active", "expired", "inactive"} <= statuses
    assert records["16407781"].lines_of_authority == [
        LineOfAuthority("Life", "active"),
        LineOfAuthority("Property", "active"),
    ]
    assert records["17283945"].license_number == "3387120"


def test_lines_of_authority():
    assert parse_loas("Accident & Health:active; Life:INACTIVE") == [
        LineOfAuthority("Accident & Health", "active"),
        LineOfAuthority("Life", "inactive"),
    ]
    assert parse_loas("") == []
    with pytest.raises(ValueError, match="Name:status"):
        parse_loas("Health")
    with pytest.raises(ValueError, match="Name:status"):
        parse_loas("Health:pending")


def test_a_bad_file_names_every_bad_line_and_loads_nothing():
    text = HEADER + (
        "1234567,Ana,Torres,OR,,active,Health:active\n"
        "12ab,Ben,Okafor,OR,,active,Health:active\n"
        "7654321,,Okafor,OR,,active,Health:active\n"
        "7654322,Chen,Li,Oregon,,active,Health:active\n"
        "7654323,Chen,Li,OR,,lapsed,Health:active\n"
        "1234567,Ana,Torres,OR,,active,Health\n"
    )
    with pytest.raises(BadInput) as exc:
        parse_registry_csv(text)
    detail = exc.value.detail
    for line in ("line 3: npn", "line 4: first_name", "line 5: state", "line 6: license_status"):
        assert line in detail
    assert "line 7: line of authority" in detail and "5 bad line(s)" in detail


def test_missing_columns_say_what_the_header_must_be():
    with pytest.raises(BadInput, match="missing columns lines_of_authority"):
        parse_registry_csv("npn,first_name,last_name,state,license_status\n")


def test_duplicate_npns_are_refused():
    text = HEADER + "1,A,B,OR,,active,\n1,C,D,OR,,active,\n"
    with pytest.raises(BadInput, match="NPN 1 appears twice"):
        parse_registry_csv(text)


@pytest.mark.parametrize(
    "profile, matches",
    [
        ("Dana Whitfield", True),
        ("  dana   WHITFIELD ", True),
        ("Dana M. Whitfield", True),
        ("Dana Marie Whitfield", True),
        ("Dana Whitfeld", False),
        ("Whitfield Dana", False),
        ("Dana", False),
        ("", False),
    ],
)
def test_names_match(profile, matches):
    assert names_match(profile, "Dana", "Whitfield") is matches


def test_names_match_ignores_accents_and_punctuation():
    assert names_match("Maria Jose Nunez", "María José", "Núñez")
    assert names_match("Sean O'Neil", "Seán", "O Neil")
    assert not names_match("Maria Nunez", "María José", "Núñez")


@pytest.mark.parametrize(
    "value, words",
    [
        ("17283945", None),
        (" 17283945 ", None),
        ("123-45-6789", "Social Security Number"),
        ("123 45 6789", "Social Security Number"),
        ("12-3456789", "Federal Tax ID"),
        ("OR-3387120", "state license number"),
        ("12345678901", "1 to 10 digits"),
        ("1234-567", "1 to 10 digits"),
        ("", "give your National Producer Number"),
    ],
)
def test_npn_problems_point_at_the_confusion(value, words):
    problem = npn_problem(value)
    assert (problem is None) if words is None else (words in problem)


def test_ssn_shapes_in_free_text():
    assert looks_like_ssn("caller read 123-45-6789 out loud")
    assert not looks_like_ssn("NPN 123456789 checked")  # nine digits may be an NPN
    assert not looks_like_ssn(None)
