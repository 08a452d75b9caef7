"""The diagram generator: drawn from the declarations, guards by name, overlays, escaping."""

import re
import xml.etree.ElementTree as ET

from workflow.assisters.machine import ASSISTER
from workflow.core.machine import EventSpec, MachineSpec, guard
from workflow.diagrams import Overlay, diagram_of, readme, to_dot, to_mermaid
from workflow.diagrams.arrows import layout
from workflow.diagrams.render import render_svg
from workflow.registry import MACHINES

SVG = "{http://www.w3.org/2000/svg}"


@guard('odd label: with; a #hash and a "quote" | pipe')
def strange(case):
    return None


TOY = MachineSpec(
    name="toy",
    title="Toy",
    states=["a", "b", "c"],
    initial="a",
    transitions=[
        {"trigger": "go", "source": "a", "dest": "b", "conditions": [strange]},
        {"trigger": "stop", "source": "*", "dest": "c"},
        {"trigger": "poke", "source": ["b", "c"], "dest": None},
    ],
    events={
        "go": EventSpec(frozenset({"support", "admin"}), "moves on"),
        "stop": EventSpec(frozenset({"admin"}), "stops"),
        "poke": EventSpec(frozenset({"admin"}), "stays"),
    },
    state_descriptions={"a": "the start"},
)


def mermaid_edges(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "-->" in line]


def test_mermaid_has_every_state_and_one_arrow_per_pair_of_states_without_guards():
    text = to_mermaid(diagram_of(ASSISTER))
    assert text.splitlines()[3] == "stateDiagram-v2"
    for state in ASSISTER.states:
        assert f'state "{state}" as {state}' in text
    edges = mermaid_edges(text)
    assert "[*] --> onboarded" in edges
    assert "trained --> exam_passed : record_exam" in edges
    # one loop per state, listing its events once each (three record_exam entries there)
    assert "trained --> trained : complete_training, record_exam, record_optional_course" in edges
    assert "lapsed --> lapsed : complete_training, record_optional_course" in edges
    assert "exam_passed --> registered : register" in edges
    assert not [e for e in edges if "[" in e.partition(":")[2]]  # guards: README's table
    pairs = [e.split(" : ")[0] for e in edges]
    assert len(pairs) == len(set(pairs))
    declared = {(e.source, e.dest) for e in diagram_of(ASSISTER).edges}
    assert len(edges) == len(declared) + 1  # plus the start arrow


def test_a_fan_of_one_event_meets_at_a_junction():
    """revalidate leads from nine states to seven: 9 + 7 arrows, not 63; a state that is
    both a source and a result gets one line with a head at each end."""
    d = diagram_of(MACHINES["npn_validation"])
    drawn = layout(d)
    (junction,) = drawn.junctions
    assert junction.event == "revalidate" and len(junction.sources) == 9
    assert set(junction.dests) == {
        "valid",
        "npn_mismatch",
        "missing_ssn",
        "no_license",
        "no_health_loa",
        "loa_inactive",
        "registry_unavailable",
    }
    through = [a for a in drawn.arrows if a.via_junction]
    assert len(through) == 9  # 7 both ways, not_checked and resolved only in
    assert {a.source for a in through if not a.both} == {"not_checked", "resolved"}
    loops = [a for a in drawn.arrows if a.source == a.dest]
    assert [(a.source, a.events) for a in loops] == [
        ("escalated", ("revalidate", "confirm_identity", "correct_record"))
    ]
    dot = to_dot(d)
    assert '"junction-revalidate" [id="junction-revalidate", label="revalidate"' in dot
    labels = re.findall(r' label="([^"]*)"', dot)
    assert labels and not [label for label in labels if "every check passes" in label]
    assert "every check passes" in dot  # in tooltips
    both = next(a for a in through if a.source == "missing_ssn")
    assert "SSN given at sign-up, or identity confirmed" in both.tooltip
    assert 'dir="both"' in dot


def test_wildcard_sources_internal_transitions_and_unsafe_text():
    d = diagram_of(TOY)
    assert [(e.source, e.dest, e.event) for e in d.edges if e.event == "stop"] == [
        ("a", "c", "stop"),
        ("b", "c", "stop"),
        ("c", "c", "stop"),
    ]
    assert ("c", "c", "poke") in {(e.source, e.dest, e.event) for e in d.edges}
    text = to_mermaid(d)
    assert "a --> b : go" in mermaid_edges(text)
    assert "c --> c : stop, poke" in mermaid_edges(text)
    table = readme([d])
    assert '| `go` | `a` | `b` | odd label: with; a #hash and a "quote" \\| pipe |' in table
    assert "| admin, support | moves on |" in table  # roles sorted
    assert "| `poke` | `b`, `c` | `unchanged` |" in table
    dot = to_dot(d)
    # the guard is the arrow's tooltip, escaped for DOT; its label is the event alone
    assert (
        'label="go", tooltip="a → b\\ngo when odd label: with; a #hash and a \\"quote\\" | pipe"'
        in dot
    )


def test_readme_embeds_each_machine_in_a_mermaid_fence_with_its_event_table():
    text = readme([diagram_of(MACHINES[name]) for name in sorted(MACHINES)])
    for spec in MACHINES.values():
        assert f"## {spec.title}" in text
        assert "```mermaid\n" + to_mermaid(diagram_of(spec)) + "```" in text
        for event in spec.events:
            assert f"| `{event}` |" in text
    failed_attempt = (
        "| `record_exam` | `trained`, `exam_passed`, `registered`, `active` | `unchanged` | "
        "dated between onboarding and today and training year is not in the future and "
        "exam is for a course completed that year and "
        "not score at or above the course's pass mark | admin |"
    )
    assert failed_attempt in text
    assert "| `lapse` | `trained`, `exam_passed`, `registered`, `active` | `lapsed` | — |" in text
    assert "| admin, system |" in text


def test_case_overlay_marks_current_state_path_and_counts():
    steps = {
        ("", "onboarded", "create"): 1,
        ("onboarded", "trained", "complete_training"): 1,
        ("trained", "lapsed", "lapse"): 3,
        ("lapsed", "trained", "complete_training"): 3,
        ("trained", "retired", "retire"): 1,  # a step no edge declares
    }
    overlay = Overlay(current="trained", steps=steps)
    edges = mermaid_edges(to_mermaid(diagram_of(ASSISTER), overlay))
    assert "trained --> lapsed : lapse ×3" in edges
    assert "lapsed --> trained : complete_training ×3" in edges
    assert "exam_passed --> lapsed : lapse" in edges  # not taken: no count
    assert "[*] --> onboarded : created ×1" in edges
    assert "trained --> retired : retire ×1 (not declared by the machine)" in edges
    dot = to_dot(diagram_of(ASSISTER), overlay)
    assert re.search(r'"trained" \[id="state-trained", label="trained\\n\(now\)".*current', dot)
    assert 'id="edge-trained-lapsed-lapse", label="lapse ×3"' in dot
    assert 'class="transition taken undeclared"' in dot


def test_a_grouped_arrow_counts_each_of_its_events():
    overlay = Overlay(current="trained", steps={("trained", "trained", "record_exam"): 2})
    drawn = {a.id: a for a in layout(diagram_of(ASSISTER), overlay).arrows}
    loop = drawn["trained-trained-complete_training-record_exam-record_optional_course"]
    assert loop.counts == {"record_exam": 2} and loop.times == 2
    dot = to_dot(diagram_of(ASSISTER), overlay)
    assert 'label="complete_training\\nrecord_exam ×2\\nrecord_optional_course"' in dot
    assert (
        "trained --> trained : complete_training, record_exam ×2, record_optional_course"
        in to_mermaid(diagram_of(ASSISTER), overlay)
    )


def test_junction_arrows_count_the_way_there_and_back():
    steps = {("missing_ssn", "valid", "revalidate"): 1, ("valid", "missing_ssn", "revalidate"): 2}
    overlay = Overlay(current="missing_ssn", steps=steps)
    arrows = {a.id: a for a in layout(diagram_of(MACHINES["npn_validation"]), overlay).arrows}
    to_missing = arrows["missing_ssn-junction-revalidate-missing_ssn"]
    assert (to_missing.counts, to_missing.back) == ({"revalidate": 1}, 2)
    to_valid = arrows["valid-junction-revalidate-valid"]
    assert (to_valid.counts, to_valid.back) == ({"revalidate": 2}, 1)
    dot = to_dot(diagram_of(MACHINES["npn_validation"]), overlay)
    assert 'label="there ×1\\nback ×2"' in dot


def test_blocked_events_are_dashed_with_their_reason_as_tooltip():
    """The renderer takes (event, reason) pairs; only arrows out of the current state
    change, and an event refused there leaves its own arrow (apart from allowed ones)."""
    blocked = [("register", "the broker's NPN is not validated yet (escalated)")]
    overlay = Overlay(current="exam_passed", blocked=blocked)
    arrows = {a.id: a for a in layout(diagram_of(ASSISTER), overlay).arrows}
    register = arrows["exam_passed-registered-register-blocked"]
    assert register.blocked == "register: the broker's NPN is not validated yet (escalated)"
    assert "refused now: register: the broker's NPN" in register.tooltip
    assert not arrows["exam_passed-lapsed-lapse"].blocked
    svg = ET.fromstring(render_svg(to_dot(diagram_of(ASSISTER), overlay)))
    groups = {g.get("id"): g for g in svg.iter(f"{SVG}g") if g.get("id")}
    edge = groups["edge-exam_passed-registered-register-blocked"]
    assert "blocked" in edge.get("class").split()
    assert [t.text for t in edge.iter(f"{SVG}text")] == ["register", "(refused now)"]
    assert "5,2" in ET.tostring(edge).decode()  # dot draws style=dashed as a dash array
    titles = [a.get("{http://www.w3.org/1999/xlink}title") for a in edge.iter(f"{SVG}a")]
    assert any("NPN is not validated yet" in (t or "") for t in titles)
    # a blocked event elsewhere, or without a current state, changes nothing
    assert not [
        a for a in layout(diagram_of(ASSISTER), Overlay(blocked=blocked)).arrows if a.blocked
    ]
    # in a fan: the arrow from the current state into the junction is the dashed one
    fan = Overlay(current="missing_ssn", blocked=[("revalidate", "no NPN on the profile")])
    arrows = {a.id: a for a in layout(diagram_of(MACHINES["npn_validation"]), fan).arrows}
    into = arrows["missing_ssn-junction-revalidate"]
    assert into.blocked == "no NPN on the profile" and not into.both
    assert "junction-revalidate-missing_ssn" in arrows  # the way back still drawn


def test_the_validation_machine_fits_a_page_and_loops_do_not_overlap():
    """At most 1,600 px wide (CSS px: 96 per inch, dot's pt: 72), measured on the SVG."""
    for name in MACHINES:
        root = ET.fromstring(render_svg(to_dot(diagram_of(MACHINES[name]))))
        width_px = float(root.get("width").removesuffix("pt")) * 96 / 72
        assert width_px <= 1600, (name, width_px)
    # each state has at most one loop, so its label cannot sit on another's
    for spec in MACHINES.values():
        loops = [a.source for a in layout(diagram_of(spec)).arrows if a.source == a.dest]
        assert len(loops) == len(set(loops)), spec.name


def test_counts_overlay_labels_every_state():
    overlay = Overlay(state_counts={"trained": 1_000_000, "active": 1})
    dot = to_dot(diagram_of(ASSISTER), overlay)
    assert 'label="trained\\n1,000,000 cases"' in dot
    assert 'label="active\\n1 case"' in dot
    assert 'label="lapsed\\n0 cases"' in dot
    assert 'state "trained (1,000,000)" as trained' in to_mermaid(diagram_of(ASSISTER), overlay)


def test_dot_output_renders_to_svg_with_ids_and_classes(tmp_path):
    overlay = Overlay(current="lapsed", steps={("trained", "lapsed", "lapse"): 2})
    svg = render_svg(to_dot(diagram_of(ASSISTER), overlay))
    root = ET.fromstring(svg)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    assert "current" in groups["state-lapsed"].get("class").split()
    edge = groups["edge-trained-lapsed-lapse"]
    assert "taken" in edge.get("class").split()
    assert [t.text for t in edge.iter(f"{SVG}text")] == ["lapse ×2"]
    assert b"graphviz version" not in svg and b"generated by workflow diagrams" in svg


def test_reflexive_equals_dest_loops_back_to_each_source():
    from workflow.core.machine import EventSpec, MachineSpec
    from workflow.diagrams.model import diagram_of

    spec = MachineSpec(
        name="loop",
        title="Loop",
        states=["a", "b"],
        initial="a",
        transitions=[{"trigger": "again", "source": ["a", "b"], "dest": "="}],
        events={"again": EventSpec(frozenset({"admin"}), "stays")},
    )
    edges = {(e.source, e.dest) for e in diagram_of(spec).edges}
    assert edges == {("a", "a"), ("b", "b")}


def _label_boxes(svg: bytes) -> list[tuple[str, float, float, float, float]]:
    """Each edge label line's box, estimated from its position, anchor and font size
    (Helvetica's average glyph is about 0.55 em wide)."""
    root = ET.fromstring(svg)
    boxes = []
    for g in root.iter(f"{SVG}g"):
        if "edge" not in (g.get("class") or "") and not (g.get("id") or "").startswith("edge-"):
            continue
        for t in g.iter(f"{SVG}text"):
            x, y, size = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
            width = len(t.text or "") * size * 0.55
            left = {"middle": x - width / 2, "end": x - width}.get(t.get("text-anchor"), x)
            boxes.append((t.text, left, y - size * 0.8, left + width, y + size * 0.2))
    return boxes


def test_no_two_edge_labels_overlap_on_any_machine():
    for name, spec in MACHINES.items():
        boxes = _label_boxes(render_svg(to_dot(diagram_of(spec))))
        assert boxes, name
        clashes = [
            (a[0], b[0])
            for i, a in enumerate(boxes)
            for b in boxes[i + 1 :]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
        ]
        assert not clashes, (name, clashes)
