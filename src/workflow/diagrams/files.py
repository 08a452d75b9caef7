"""The committed ``state_diagrams/`` folder: what the code declares it must hold, writing
it, and comparing a folder with it (the drift test and ``workflow diagrams --check``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from workflow.core.machine import MachineSpec
from workflow.diagrams.dot import to_dot
from workflow.diagrams.mermaid import to_mermaid
from workflow.diagrams.model import GENERATED_MARK, diagram_of
from workflow.diagrams.readme import readme
from workflow.diagrams.render import render_svg

GENERATED_SUFFIXES = (".mmd", ".svg")
README = "README.md"


def expected_files(machines: Mapping[str, MachineSpec]) -> dict[str, bytes]:
    """File name → bytes, for every machine (sorted by name) and the README.
    Raises :class:`GraphvizUnavailable` without ``dot``, before anything is written."""
    diagrams = [diagram_of(machines[name]) for name in sorted(machines)]
    files: dict[str, bytes] = {}
    for d in diagrams:
        files[f"{d.name}.mmd"] = to_mermaid(d).encode()
        files[f"{d.name}.svg"] = render_svg(to_dot(d))
    files[README] = readme(diagrams).encode()
    return files


def write_files(folder: Path, files: Mapping[str, bytes]) -> list[str]:
    """Write ``files`` into ``folder`` and remove the files this generator wrote for a
    machine that no longer exists (only those carrying its mark: never someone else's).
    Returns the names that changed (written or removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, content in sorted(files.items()):
        path = folder / name
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
            changed.append(name)
    for path in sorted(folder.iterdir()):
        if _stale(path, files) and GENERATED_MARK.encode() in path.read_bytes():
            path.unlink()
            changed.append(path.name)
    return changed


def differences(folder: Path, files: Mapping[str, bytes]) -> list[str]:
    """One line per file in ``folder`` that is missing, different or no longer declared;
    empty when the folder holds exactly what the code declares."""
    problems = []
    for name, content in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.read_bytes() != content:
            problems.append(f"{path}: differs from what the machines declare")
    present = sorted(folder.iterdir()) if folder.is_dir() else []
    for path in present:
        if _stale(path, files):
            problems.append(f"{path}: no machine declares it; remove it")
    return problems


def _stale(path: Path, files: Mapping[str, bytes]) -> bool:
    return path.is_file() and path.suffix in GENERATED_SUFFIXES and path.name not in files
