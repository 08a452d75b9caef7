"""The layout holds: domain packages around one engine, no import cycles, the admin and
the API apart, small folders. Read from the source with ``ast`` (nothing is imported), so
a violation fails here with the module and the line that broke the rule."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"workflow": ROOT / "src" / "workflow", "admin": ROOT / "admin"}
DOMAINS = ("accounts", "assisters", "associations", "consumers", "demo", "exemptions",
           "messaging", "organizations", "sweep", "training", "validations")  # fmt: skip
# What the engine may import: below it, and itself. Never a domain, never the tables
# (which name the domains' states): it reaches rows through each kind's binding.
ENGINE_MAY_IMPORT = ("workflow.core", "workflow.db", "workflow.engine")
# The API: the app's assembly and every module that declares routes for the public API.
API = re.compile(
    r"^workflow\.(app|web\.event_routes|[a-z_]+\.(api|[a-z_]+_api|pages|login_pages))$"
)
MAX_MODULES_PER_FOLDER = 20


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported project module
    line: int
    top_level: bool


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in SOURCES.items():
        for path in folder.rglob("*.py"):
            if "piccolo_migrations" in path.parts:
                continue
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test)
        for n in ast.walk(node)
    }
    top = {id(n) for n in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield Import(name, target, node.lineno, id(node) in top)


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    known = modules()
    found = {i for name, path in known.items() for i in imports(name, path, known)}
    return sorted(found, key=lambda i: (i.module, i.line, i.target))


def test_no_import_cycles(graph):
    edges: dict[str, set[str]] = {}
    for i in graph:
        if not i.target.startswith(i.module + "."):  # a package's face importing its own
            edges.setdefault(i.module, set()).add(i.target)
    cycles = _cycles(edges)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_imports_inside_functions(graph):
    """An import inside a function hides a dependency (and often a cycle)."""
    inner = [f"{i.module}:{i.line} imports {i.target}" for i in graph if not i.top_level]
    assert not inner, "\n".join(inner)


def test_the_engine_imports_no_domain(graph):
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in graph
        if i.module.startswith("workflow.engine") and not i.target.startswith(ENGINE_MAY_IMPORT)
    ]
    assert not wrong, "\n".join(wrong)


def test_core_imports_only_core(graph):
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in graph
        if i.module.startswith("workflow.core") and not i.target.startswith("workflow.core")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_admin_and_the_api_do_not_import_each_other(graph):
    """Shared sign-in lives below both (``workflow.accounts.staff``, ``workflow.web``);
    only the app's assembly at the top (and the CLI that serves it) sees both."""
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in graph
        if (i.module.startswith("admin") and API.match(i.target))
        or (
            i.module.startswith("workflow")
            and i.target.startswith("admin")
            and i.module != "workflow.app"
        )
    ]
    assert not wrong, "\n".join(wrong)


def test_domains_reach_each_other_only_below_the_api(graph):
    """A domain may use another's services, never its routes."""
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in graph
        if i.module.split(".")[1:2] != i.target.split(".")[1:2]
        and i.module.startswith(tuple(f"workflow.{d}" for d in DOMAINS))
        and API.match(i.target)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_folder_holds_more_than_twenty_modules():
    folders: dict[Path, int] = {}
    for path in SOURCES["workflow"].rglob("*.py"):
        if path.name != "__init__.py" and "piccolo_migrations" not in path.parts:
            folders[path.parent] = folders.get(path.parent, 0) + 1
    big = {str(f.relative_to(ROOT)): n for f, n in folders.items() if n > MAX_MODULES_PER_FOLDER}
    assert not big, big


def test_only_the_engine_writes_a_state_column():
    """``state`` and ``version`` change only through the engine (and the set-based
    statements it runs from ``db/bulk.py``)."""
    writes = re.compile(r"SET\s+state\s*=|\b[A-Z]\w*\.state\s*:|\bstate\s*=\s*\{\}\s*,\s*version")
    allowed = {SOURCES["workflow"] / "engine", SOURCES["workflow"] / "db"}
    wrong = []
    for package in SOURCES.values():
        for path in package.rglob("*.py"):
            if path.parent in allowed or "piccolo_migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if writes.search(line):
                    wrong.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_catch_what_they_look_for(tmp_path):
    """The rules above would see a violation: a cycle and an inner import, planted."""
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def f():\n    import a\n")
    known = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    found = [i for name, path in known.items() for i in imports(name, path, known)]
    assert [(i.module, i.target, i.top_level) for i in found] == [
        ("a", "b", True),
        ("b", "a", False),
    ]
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found
