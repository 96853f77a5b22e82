"""The lifecycle is written once (issue 9): no state set, due date or import cycle
outside the places that own them. These read the source, so a copy fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from referral_app.workflow.states import ReferralState

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "referral_app"
STATE_NAMES = "|".join(s.name for s in ReferralState)
STATE_VALUES = "|".join(s.value for s in ReferralState)
DUE_COLUMNS = "ack_due_on|ack_escalation_on|decision_due_on|decision_escalation_on|info_due_on"


def _sources(suffix: str, root: Path = APP) -> list[Path]:
    return [p for p in root.rglob(f"*{suffix}") if "translations" not in p.parts]


def test_no_state_set_is_written_outside_the_table():
    """Two states side by side in code (a set, a tuple, an ``in (…)``) re-list states.

    Quoted codes count on lines about a state only: the funnel's figures are named
    after milestones (submitted, acknowledged…) without being states.
    """
    listed = re.compile(rf"\b(S|ReferralState)\.({STATE_NAMES})\s*,\s*(S|ReferralState)\.")
    quoted = re.compile(rf"state[^\n]*['\"]({STATE_VALUES})['\"]\s*,\s*['\"]({STATE_VALUES})['\"]")
    found = []
    for path in _sources(".py"):
        if path == APP / "workflow" / "states.py":
            continue
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in listed.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in quoted.finditer(text)]
    for path in _sources(".html", ROOT / "templates"):
        found += [
            f"{path.relative_to(ROOT)}: {m.group(0)}" for m in quoted.finditer(path.read_text())
        ]
    assert found == []


def test_due_dates_are_set_by_the_clocks_only():
    assignment = re.compile(rf"\.({DUE_COLUMNS})\s*=[^=]")
    found = [
        str(path.relative_to(ROOT))
        for path in _sources(".py")
        if path != APP / "workflow" / "clocks.py" and assignment.search(path.read_text())
    ]
    assert found == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> list[str]:
    """Modules the file imports, at its top or inside a function (a cycle hidden in a
    function is a cycle too); imports for type checking only are left out."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                # ``from package import module`` depends on that module (the package's
                # __init__ runs first, but it is not what the file uses).
                names += [f"{inner.module}.{a.name}" for a in inner.names] or [inner.module]
            elif isinstance(inner, ast.Import):
                names += [a.name for a in inner.names]
    return names


def test_no_import_cycle_between_modules():
    modules = {_module_name(p): p for p in [*APP.rglob("*.py"), *(ROOT / "workers").rglob("*.py")]}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _runtime_imports(ast.parse(path.read_text())):
            while imported and imported not in modules:  # a name from a module
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    cycles = _cycles(graph)
    assert cycles == [], cycles


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
