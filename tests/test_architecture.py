"""The package's import graph is one-way: no module reaches, directly or through others, itself.

Edges are every ``import econsim…`` / ``from econsim… import`` in a module (at top level or inside
a function), plus the package ``__init__`` each imported module runs first. Agents (workers,
planners, elections, archetype workers) see the run only through ``AgentContext``.
"""

import ast
from pathlib import Path

import pytest

import econsim

PACKAGE = Path(econsim.__file__).parent


def _module_name(path: Path) -> str:
    parts = ("econsim", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith("econsim"):
                found.add(name)
                parent = name.rpartition(".")[0]
                while parent:  # importing a.b.c runs a/__init__ and a/b/__init__ first
                    found.add(parent)
                    parent = parent.rpartition(".")[0]
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {m: _imports(p, modules) - {m} for m, p in modules.items()}
    for m in graph:  # a package's own __init__ is not an edge to itself from its children
        graph[m] = {d for d in graph[m] if not m.startswith(d + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_detects_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_econsim_import_graph_has_no_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


AGENT_MODULES = ["econsim.simulation.workers", "econsim.simulation.planners",
                 "econsim.simulation.elections", "econsim.simulation.archetype_workers"]
#: The package layers of docs/architecture.md, lowest first: a package may import only packages
#: of its own or a lower layer (function-level imports included).
LAYERS = (
    ("registry", "validation", "compendium"),
    ("economy",),
    ("baselines",),
    ("prompts",),
    ("llm",),
    ("population",),
    ("scale",),
    ("simulation",),
    ("analysis",),
    ("figures",),
    ("classroom",),
    ("cli",),
)


def package_graph() -> dict[str, set[str]]:
    """Package → packages it imports (``econsim.<package>``), from every import of its modules."""
    out: dict[str, set[str]] = {}
    for module, deps in import_graph().items():
        a = module.split(".")[1] if module.count(".") else ""
        for dep in deps:
            b = dep.split(".")[1] if dep.count(".") else ""
            if a and b and a != b:
                out.setdefault(a, set()).add(b)
    return out


def test_packages_import_only_layers_below():
    level = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}
    graph = package_graph()
    assert set(graph) <= set(level), f"packages without a layer: {set(graph) - set(level)}"
    upward = sorted(f"{a} -> {b}" for a, deps in graph.items() for b in deps
                    if level[b] > level[a])
    assert upward == [], "imports of a higher layer: " + ", ".join(upward)
    assert find_cycle(graph) is None


def test_layers_are_the_ones_docs_draw():
    from econsim.compendium.paths import project_root

    doc = (project_root() / "docs" / "architecture.md").read_text()
    drawn = " → ".join(" · ".join(layer) for layer in LAYERS)
    assert drawn in doc, f"docs/architecture.md should show the layers: {drawn}"


@pytest.mark.parametrize("module", AGENT_MODULES)
def test_agents_do_not_see_the_engine(module):
    deps = import_graph()[module]
    assert "econsim.simulation.context" in deps
    assert not deps & {"econsim.simulation.engine", "econsim.simulation.vectorized",
                       "econsim.simulation.factory"}



def test_planner_kinds_match_the_registry():
    from econsim.simulation.config import PLANNER_KINDS
    from econsim.simulation.planners import PLANNERS

    assert set(PLANNER_KINDS) == set(PLANNERS.names())


def test_factory_chooses_the_engine():
    from econsim.simulation import SimConfig, make_simulation
    from econsim.simulation.engine import Simulation
    from econsim.simulation.factory import ENGINES, choose_engine
    from econsim.simulation.vectorized import VectorSimulation

    base = SimConfig(n_agents=4, n_steps=2, K=1, worker="rational", planner="fixed")
    assert choose_engine(base) == "per_agent"
    assert choose_engine(base.replace(worker="surrogate_vec")) == "vectorised"
    assert type(make_simulation(base)) is Simulation
    assert type(make_simulation(base.replace(record_agents=2))) is VectorSimulation
    with pytest.raises(ValueError, match="per_agent"):
        ENGINES.get("bogus")
