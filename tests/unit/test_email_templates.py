"""Every e-mail template renders in English and Spanish with realistic context, and no
English sentence leaks into the Spanish messages (the lapse notice used to carry the
sweep's English rule text)."""

import re
from datetime import UTC, date, datetime

import pytest

from workflow.core.templating import TEMPLATES_DIR
from workflow.core.training_year import Calendar
from workflow.messaging.mailbox import render_message
from workflow.sweep.deadlines import lapse_context, lapse_groups

ASSISTER = {"name": "Ana Torres", "email": "ana@example.org", "reference_number": "4821937"}
CONSUMER = {"name": "Maria Lopez"}
REFERRAL = {"id": 7, "name": "Maria Lopez", "zip": "55401", "language": "es",
            "phone": "555-0199", "email": None}  # fmt: skip
CAL = Calendar()


def _lapse(day: date, onboarded: date, ty_offset: int = 0) -> dict:
    ty, groups = lapse_groups(CAL, day)
    group = next(g for g in groups if g.ty == ty + ty_offset and g.after != g.until)
    if onboarded <= CAL.standard_deadline(group.ty):
        group = next(g for g in groups if g.after is None)
    return {"assister": ASSISTER, **lapse_context(group, {"onboarded_on": onboarded}, CAL)}


def _reminder(**extra) -> dict:
    base = {
        "assister": ASSISTER,
        "training_year": "TY2027",
        "also_training_year": None,
        "deadline": date(2026, 10, 31),
        "days_left": 30,
        "course_needed": "full",
        "exam_needed": True,
    }
    return {**base, **extra}


MANUAL_LAPSE = {
    "assister": ASSISTER,
    "deadline": None,
    "late_hire": False,
    "training_year": None,
    "also_training_year": None,
    "late_hire_days": None,
}

CONTEXTS = {
    "activation": [
        {
            "assister": ASSISTER,
            "reference_number": "4821937",
            "registration_number": "K7QM-X2PD-9HVR",
            "agreement_names": ["Individual", "SHOP"],
        }
    ],
    "association_confirmed": [{"consumer": CONSUMER, "assister_name": "Ana Torres"}],
    "association_ended": [
        {"consumer": CONSUMER, "assister_name": "Ana Torres", "expired": True, "message": ""},
        {"consumer": CONSUMER, "assister_name": "Ana Torres", "expired": False, "message": ""},
    ],
    "association_transferred": [
        {"consumer": CONSUMER, "old_assister_name": "Ana Torres", "new_assister_name": "Luis Gil"}
    ],
    "choose_agent_broker_role": [{"assister": ASSISTER, "every_days": 3}],
    "daily_summary": [
        {
            "assister": ASSISTER,
            "day": date(2026, 11, 3),
            "total": 3,
            "sections": [("requested", ["Maria Lopez"]), ("ended", ["Jo Park", "Li Wei"])],
        }
    ],
    "deadline_reminder": [
        _reminder(),
        _reminder(course_needed="overview", days_left=7, deadline=date(2026, 11, 7)),
        _reminder(course_needed=None, days_left=14),
        # a late hire's window carried over into the next training year
        _reminder(deadline=date(2027, 7, 14), days_left=7, also_training_year="TY2028"),
    ],
    "lapse_notice": [
        _lapse(date(2026, 11, 1), onboarded=date(2025, 3, 1)),
        _lapse(date(2027, 1, 20), onboarded=date(2026, 11, 20)),
        _lapse(date(2027, 7, 20), onboarded=date(2027, 5, 15), ty_offset=-1),
        {**MANUAL_LAPSE, "note": None},
    ],
    "registration_complete": [{"assister": ASSISTER, "year": "TY2027"}],
    # Help On Demand referrals (issue 18).
    "referral_offered": [
        {"assister": ASSISTER, "referral": REFERRAL, "expires_at": datetime(2026, 11, 10, 15)}
    ],
    "referral_accepted": [{"assister": ASSISTER, "referral": REFERRAL}],
    "referral_found": [
        {"consumer": CONSUMER, "broker": {**ASSISTER, "phone": "555-0100"}, "signed_in": True},
        {"consumer": CONSUMER, "broker": {**ASSISTER, "phone": None}, "signed_in": False},
    ],
    "referral_unmatched": [{"consumer": CONSUMER}],
    "portal_code": [{"username": "ana.torres", "code": "042917", "base_url": "https://x.org"}],
    "portal_reset": [{"username": "ana.torres", "link": "https://x.org/assister/reset/abc"}],
    "portal_username": [
        {"usernames": ["ana.torres"], "base_url": "https://x.org"},
        {"usernames": ["ana.torres", "ana.t2"], "base_url": "https://x.org"},
    ],
}

# Training sessions: a seat confirmed, the waiting list, the reminder the day before.
SESSION = {
    "assister": ASSISTER,
    "course": "full",
    "training_year": "TY2027",
    "session_language": "es",
    "starts_at": datetime(2026, 10, 6, 15, 0, tzinfo=UTC),
    "time_zone": "UTC",
    "online": False,
    "place": "Salem Library",
}
CONTEXTS["session_confirmed"] = [SESSION, {**SESSION, "online": True, "place": None}]
CONTEXTS["session_waitlisted"] = [{**SESSION, "place_in_line": 3}]
CONTEXTS["session_reminder"] = [SESSION, {**SESSION, "online": True, "session_language": "en"}]
# Open Enrollment readiness: every missing step, and just one.
READINESS = {"assister": ASSISTER, "open_enrollment": date(2026, 11, 1), "days_left": 30,
             "training_year": "TY2027", "missing": ["npn_not_valid", "no_marketplace_role",
             "not_certified", "not_registered", "not_active"]}  # fmt: skip
CONTEXTS["oe_readiness_reminder"] = [READINESS, {**READINESS, "missing": ["not_active"]}]

# Words of English prose that are not Spanish words too ("complete", "active" are both).
ENGLISH = set(
    [
        "the",
        "your",
        "you",
        "and",
        "has",
        "have",
        "had",
        "passed",
        "without",
        "with",
        "from",
        "deadline",
        "window",
        "must",
        "exam",
        "course",
        "training",
        "lapsed",
        "certification",
        "days",
        "left",
        "by",
        "of",
        "to",
        "is",
        "are",
        "was",
        "will",
        "please",
        "dear",
        "note",
        "staff",
        "reminder",
        "onboarded",
        "counts",
        "well",
        "when",
        "began",
        "closed",
        "since",
        "still",
        "remain",
        "assister",
        "consumers",
    ]
)
# English names the Spanish text quotes on purpose: labels of the screens and roles.
QUOTED_LABELS = ("Not an Agent Broker", "Overview")


def _english_words(text: str) -> set[str]:
    text = re.sub(r"https?://\S+", "", text)  # links name the routes, in English
    for label in QUOTED_LABELS:
        text = text.replace(label, "")
    return {w for w in re.findall(r"[a-záéíóúñü]+", text.lower()) if w in ENGLISH}


def test_every_template_has_both_languages_and_a_context_here():
    found = {p.name.split(".")[0] for p in (TEMPLATES_DIR / "emails").glob("*.txt")}
    assert found == set(CONTEXTS)
    for name in found:
        for language in ("en", "es"):
            assert (TEMPLATES_DIR / "emails" / f"{name}.{language}.txt").exists()


CASES = [(name, i) for name, contexts in CONTEXTS.items() for i in range(len(contexts))]


@pytest.mark.parametrize("name, i", CASES)
def test_spanish_messages_have_no_english_sentences(name, i):
    context = CONTEXTS[name][i]
    subject_en, body_en = render_message(name, "en", context)
    subject_es, body_es = render_message(name, "es", context)
    assert subject_es != subject_en and body_es != body_en
    assert _english_words(subject_es + "\n" + body_es) == set()
    assert _english_words(subject_en + "\n" + body_en)  # the check does see English


def test_lapse_notices_say_the_deadline_and_year_in_each_language():
    late = CONTEXTS["lapse_notice"][2]
    _, en = render_message("lapse_notice", "en", late)
    _, es = render_message("lapse_notice", "es", late)
    assert "July 14, 2027" in en and "60-day" in en and "TY2027" in en and "TY2028" in en
    assert "14/07/2027" in es and "60 días" in es and "TY2027" in es and "TY2028" in es
    _, standard = render_message("lapse_notice", "es", CONTEXTS["lapse_notice"][0])
    assert "31/10/2026" in standard and "TY2027" in standard


def test_a_note_from_staff_is_labelled_in_each_language():
    context = {**MANUAL_LAPSE, "note": "roster review"}
    assert (
        "Note from the program staff: roster review"
        in render_message("lapse_notice", "en", context)[1]
    )
    assert (
        "Nota del personal del programa: roster review"
        in render_message("lapse_notice", "es", context)[1]
    )
