"""The diagram generator: drawn from the declarations, guards by name, overlays, escaping."""

import re
import xml.etree.ElementTree as ET

from workflow.assisters.machine import ASSISTER
from workflow.core.machine import EventSpec, MachineSpec, guard
from workflow.diagrams import Overlay, diagram_of, readme, to_dot, to_mermaid
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


def test_mermaid_has_every_state_and_transition_with_readable_guards():
    text = to_mermaid(diagram_of(ASSISTER))
    assert text.splitlines()[3] == "stateDiagram-v2"
    for state in ASSISTER.states:
        assert f'state "{state}" as {state}' in text
    edges = mermaid_edges(text)
    assert "[*] --> onboarded" in edges
    dated = "dated between onboarding and today"
    year = f"{dated} and training year is not in the future"
    course = "exam is for a course completed that year"
    mark = "score at or above the course's pass mark"
    assert (
        f"trained --> exam_passed : record_exam [{year} and {course} and {mark} "
        "and training year is current]" in (edges)
    )
    assert f"trained --> trained : record_exam [{year} and {course} and not {mark}]" in (edges)
    assert (
        f"lapsed --> lapsed : complete_training [{dated} and course suits the assister and "
        "training year is not in the future "
        "and not training year is current]" in edges
    )
    assert (
        f"active --> active : complete_training [{dated} and course suits the assister and "
        "training year is not in the future]"
    ) in edges
    assert (
        "exam_passed --> registered : register [broker's NPN is validated and "
        "broker's agreements follow their Agent Broker role]"
    ) in edges
    # one edge per source of each transition entry, plus the start arrow
    expected = sum(
        len(ASSISTER.states if t["source"] == "*" else [t["source"]])
        if isinstance(t["source"], str)
        else len(t["source"])
        for t in ASSISTER.transitions
    )
    assert len(edges) == expected + 1


def test_wildcard_sources_internal_transitions_and_unsafe_text():
    d = diagram_of(TOY)
    assert [(e.source, e.dest, e.event) for e in d.edges if e.event == "stop"] == [
        ("a", "c", "stop"),
        ("b", "c", "stop"),
        ("c", "c", "stop"),
    ]
    assert ("c", "c", "poke") in {(e.source, e.dest, e.event) for e in d.edges}
    text = to_mermaid(d)
    # ':' ';' '#' would end or comment out a Mermaid label; they become entity codes
    label = "odd label#58; with#59; a #35;hash and a #quot;quote#quot; | pipe"
    assert f"a --> b : go [{label}]" in mermaid_edges(text)
    table = readme([d])
    assert '| `go` | `a` | `b` | odd label: with; a #hash and a "quote" \\| pipe |' in table
    assert "| admin, support | moves on |" in table  # roles sorted
    assert "| `poke` | `b`, `c` | `unchanged` |" in table
    dot = to_dot(d)
    assert 'label="go\\n[odd label: with; a #hash and a \\"quote\\" | pipe]"' in dot


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
    assert (
        "lapsed --> trained : complete_training ×3 [dated between onboarding and today and "
        "course suits the assister and "
        "training year is not in the future and training year is current]" in edges
    )
    assert "exam_passed --> lapsed : lapse" in edges  # not taken: no count
    assert "[*] --> onboarded : created ×1" in edges
    assert "trained --> retired : retire ×1 (not declared by the machine)" in edges
    dot = to_dot(diagram_of(ASSISTER), overlay)
    assert re.search(r'"trained" \[id="state-trained", label="trained\\n\(now\)".*current', dot)
    assert 'id="edge-trained-lapsed-lapse", label="lapse ×3"' in dot
    assert 'class="transition taken undeclared"' in dot


def test_counts_overlay_labels_every_state():
    overlay = Overlay(state_counts={"trained": 1_000_000, "active": 1})
    dot = to_dot(diagram_of(ASSISTER), overlay)
    assert 'label="trained\\n1,000,000 cases"' in dot
    assert 'label="active\\n1 case"' in dot
    assert 'label="lapsed\\n0 cases"' in dot
    assert 'state "trained (1,000,000)" as trained' in to_mermaid(diagram_of(ASSISTER), overlay)


def test_dot_output_renders_to_svg_with_ids_and_classes(tmp_path):
    from workflow.diagrams import render_svg

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
