"""The package's import graph is one-way: no module, and no package, reaches itself again.

Edges are every ``import econsim…`` / ``from econsim… import`` / relative import in a module (at
top level, inside a function, or under ``TYPE_CHECKING``), every string that names an econsim
module (what ``importlib.import_module`` and lazy ``__getattr__`` exports load, e.g. the CLI's
``COMMANDS``), plus the package ``__init__`` each imported module runs first. The package graph
joins these per package (``econsim.<package>``; the modules ``registry``, ``validation`` and
``renamed`` count as packages)
and must follow the layers of docs/architecture.md. Agents (workers, planners, elections,
archetype workers) see the run only through ``AgentContext``.

``python tests/test_architecture.py`` prints the package graph.
"""

import ast
import functools
import re
import textwrap
from pathlib import Path

import pytest

import econsim

PACKAGE = Path(econsim.__file__).parent
#: A string that is a dotted econsim module name (an f-string counts by its literal start).
_MODULE_STRING = re.compile(r"econsim(\.[A-Za-z_]\w*)+")


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = (root.name, *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {_module_name(p, root): p for p in root.rglob("*.py")}


def _imported_names(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Dotted names one AST node imports or names as a module to import."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # from . / .. import: relative to the module's own package
            package = module.split(".") if is_package else module.split(".")[:-1]
            anchor = package[:len(package) - node.level + 1]
            base = ".".join(anchor + ([node.module] if node.module else []))
        return [base] + [f"{base}.{a.name}" for a in node.names]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if _MODULE_STRING.fullmatch(node.value) else []
    if isinstance(node, ast.JoinedStr) and node.values:
        head = node.values[0]
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            match = _MODULE_STRING.match(head.value)
            return [match.group(0)] if match else []
    return []


def _imports(path: Path, modules: dict[str, Path], module: str = "") -> set[str]:
    module = module or _module_name(path)
    top = module.split(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        for name in _imported_names(node, module, path.name == "__init__.py"):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name == top or name.startswith(top + "."):
                found.add(name)
                parent = name.rpartition(".")[0]
                while parent:  # importing a.b.c runs a/__init__ and a/b/__init__ first
                    found.add(parent)
                    parent = parent.rpartition(".")[0]
    return found


@functools.cache  # parsing every module takes ~1 s; the tests only read the graph
def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → econsim modules it imports (function-level, relative and string imports too)."""
    modules = _modules(root)
    graph = {m: _imports(p, modules, m) - {m} for m, p in modules.items()}
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
                 "econsim.simulation.elections", "econsim.simulation.cluster_workers"]
#: The package layers of docs/architecture.md, lowest first: a package may import only packages
#: of its own or a lower layer (function-level imports included).
LAYERS = (
    ("registry", "validation", "renamed", "compendium"),
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


def package_of(module: str) -> str:
    """``econsim.<package>.…`` → ``<package>``; ``""`` for the top ``econsim`` itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def package_edges(root: Path = PACKAGE) -> dict[tuple[str, str], list[str]]:
    """(package, package it imports) → the module imports that make the edge."""
    out: dict[tuple[str, str], list[str]] = {}
    for module, deps in import_graph(root).items():
        for dep in deps:
            a, b = package_of(module), package_of(dep)
            if a and b and a != b:
                out.setdefault((a, b), []).append(f"{module} -> {dep}")
    return {edge: sorted(why) for edge, why in out.items()}


def package_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Package → packages it imports (``econsim.<package>``), from every import of its modules.

    Every package is a key, also one that imports no other.
    """
    out: dict[str, set[str]] = {p: set() for p in map(package_of, _modules(root)) if p}
    for a, b in package_edges(root):
        out[a].add(b)
    return out


def knots(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan): every node of one
    reaches every other, so each is a set of packages that import each other, however indirectly."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = stack[stack.index(node):]
            del stack[stack.index(node):]
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def upward_edges(graph: dict[str, set[str]], layers=LAYERS) -> list[str]:
    """Package edges that go to a higher layer than the importer's (``a -> b``)."""
    level = {pkg: i for i, layer in enumerate(layers) for pkg in layer}
    return sorted(f"{a} -> {b}" for a, deps in graph.items() for b in deps
                  if level[b] > level[a])


def _explain(edges: list[str], why: dict[tuple[str, str], list[str]]) -> str:
    def example(edge: str) -> str:  # the most specific import: a module, not just a package
        return max(why[tuple(edge.split(" -> "))], key=lambda w: w.split(" -> ")[1].count("."))

    return "; ".join(f"{e} ({example(e)})" for e in edges)


def test_knots_finds_every_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d", "a"}, "f": {"a"}}
    assert knots(graph) == [["a", "b", "c"], ["d", "e"]]
    assert knots({"a": {"b"}, "b": set()}) == []


def test_the_package_graph_sees_function_relative_and_string_imports(tmp_path):
    """A miniature of the knot issue 24 untied: the graph must see each kind of import."""
    files = {
        "__init__.py": "",
        "registry.py": "",
        "low/__init__.py": "",
        "low/a.py": """
            def draw():
                from econsim.high import b  # a function-level import
                return b
        """,
        "high/__init__.py": "",
        "high/b.py": "from ..low import a  # a relative import\n",
        "mid/__init__.py": "",
        "mid/c.py": """
            import importlib
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                import econsim.registry
            COMMANDS = {"go": "econsim.high.b"}  # loaded by name
            def load(name):
                return importlib.import_module(f"econsim.low.{name}")
        """,
    }
    root = tmp_path / "econsim"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    graph = package_graph(root)
    assert graph == {"low": {"high"}, "high": {"low"}, "mid": {"high", "low", "registry"},
                     "registry": set()}
    assert knots(graph) == [["high", "low"]]
    assert upward_edges(graph, (("registry",), ("low",), ("high",), ("mid",))) == ["low -> high"]


def test_the_package_graph_has_no_cycle():
    """Issue 24: six packages (simulation, scale, population, figures, analysis, classroom)
    imported each other through function-level and lazy imports; none may again."""
    graph = package_graph()
    why = package_edges()
    found = knots(graph)
    message = [f"packages importing each other: {' <-> '.join(k)}; edges: "
               + _explain([f"{a} -> {b}" for a in k for b in sorted(graph[a]) if b in k], why)
               for k in found]
    assert found == [], "\n".join(message)


def test_packages_import_only_layers_below():
    graph = package_graph()
    layered = {pkg for layer in LAYERS for pkg in layer}
    assert set(graph) == layered, (f"packages without a layer: {sorted(set(graph) - layered)}; "
                                   f"layers without a package: {sorted(layered - set(graph))}")
    upward = upward_edges(graph)
    assert upward == [], "imports of a higher layer: " + _explain(upward, package_edges())


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
    assert choose_engine(base.replace(worker="surrogate_vec")) == "vectorized"
    assert type(make_simulation(base)) is Simulation
    assert type(make_simulation(base.replace(record_agents=2))) is VectorSimulation
    with pytest.raises(ValueError, match="per_agent"):
        ENGINES.get("bogus")


if __name__ == "__main__":
    for package, deps in sorted(package_graph().items(), key=lambda kv: len(kv[1])):
        print(f"{package:11s} -> {', '.join(sorted(deps)) or '-'}")
    print("knots:", knots(package_graph()) or "none")


def test_every_worker_follows_the_one_worker_protocol():
    """Per-agent, cluster-batched and array workers (the classroom's learners too) share one
    protocol: ``labour(ctx, t)`` and ``observe(ctx, t, labour, outcome, objective)``."""
    import inspect

    from econsim.simulation.array_workers import ExactWorkers, SurrogateVecWorkers
    from econsim.simulation.cluster_workers import ClusterWorkers
    from econsim.simulation.workers import WORKERS, Workers

    classes = [WORKERS.get(n) for n in WORKERS.names()]
    classes += [ClusterWorkers, ExactWorkers, SurrogateVecWorkers]
    want = {name: list(inspect.signature(getattr(Workers, name)).parameters)
            for name in ("labour", "observe")}
    for cls in classes:
        for name, params in want.items():
            assert list(inspect.signature(getattr(cls, name)).parameters) == params, (cls, name)


def test_figures_draw_tables_and_compute_no_economy():
    """Figures draw what analysis computed: no figure module imports the economy's solvers, the
    baselines or the simulation (labels, presets' edges and colour constants only)."""
    computing = ("econsim.economy.outcomes", "econsim.economy.best_response",
                 "econsim.baselines", "econsim.simulation", "econsim.llm")
    graph = import_graph()
    found = {m: sorted(d for d in deps if d.startswith(computing))
             for m, deps in graph.items() if m.startswith("econsim.figures")}
    assert {m: d for m, d in found.items() if d} == {}
