"""Presets are resolved once, at the top; the functions below take objects (issue 24, item 3).

The top layers turn a preset name into its object with the registry (``TAX_PRESETS.get``,
``UTILITY_PRESETS.get``): the run configuration, the command line, the classroom's game set-up,
the classroom app's drop-downs and the notebooks' cells after ``parameters``. Everything below takes
a :class:`~econsim.economy.tax.TaxPreset` / :class:`~econsim.economy.utility.UtilityParams` and
refuses a name with a ``TypeError`` that says how to resolve it (docs/architecture.md, "Presets").
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from econsim import analysis
from econsim.baselines import landscape
from econsim.baselines.backward_induction import backward_induction
from econsim.baselines.elasticities import empirical_elasticity
from econsim.baselines.stackelberg import stackelberg
from econsim.baselines.welfare_evaluator import WelfareEvaluator
from econsim.classroom.sandbox import classroom_figure, flat_rate_answers
from econsim.economy.tax import TAX_PRESETS, THREE, TaxSchedule, bracket_edges
from econsim.economy.utility import PAPER_UTILITY, UTILITY_PRESETS, check_utility
from econsim.population.summaries import bracket_share_table

PACKAGE = Path(__file__).resolve().parents[1] / "econsim"
#: Where a preset name may be resolved: (module, enclosing function or "*" for the module).
TOP_LAYERS = {
    ("simulation/config.py", "*"),   # SimConfig: validates the names, .tax_brackets/.utility_params
    ("cli/baselines.py", "*"),       # `econsim baselines --preset --utility`
    ("classroom/game.py", "*"),      # GameSetup / Game: the classroom's configuration
    ("classroom/sandbox.py", "classroom_app"),  # its drop-downs hold preset names
    ("economy/utility.py", "get_utility"),  # the former resolver: one release, with a warning
}
REGISTRIES = {"TAX_PRESETS", "UTILITY_PRESETS"}

S = np.array([50.0, 400.0, 1_500.0])
SCH = TaxSchedule.preset(THREE, [0.1, 0.2, 0.3])

#: Lower-layer calls given a preset name: (label, call, parameter named in the error).
NAMED_CALLS = [
    ("stackelberg cutoffs", lambda: stackelberg(S, "three"), "cutoffs"),
    ("stackelberg utility", lambda: stackelberg(S, THREE, "paper"), "utility"),
    ("WelfareEvaluator params", lambda: WelfareEvaluator(S, THREE, "paper"), "params"),
    ("backward_induction params",
     lambda: backward_induction(S[:2], [0.0], "paper", [0.0, 1.0]), "params"),
    ("empirical_elasticity params", lambda: empirical_elasticity(S, SCH, "calibrated"), "params"),
    ("evaluate_schedule utility", lambda: landscape.evaluate_schedule(S, SCH, "paper"), "utility"),
    ("flat_rate_curves utilities", lambda: landscape.flat_rate_curves(S, ["paper"]), "utilities"),
    ("saez_fixed_point utility",
     lambda: landscape.saez_fixed_point(S, THREE.cutoffs, "paper", 0.4), "utility"),
    ("baseline_schedules brackets",
     lambda: landscape.baseline_schedules(S, "three", PAPER_UTILITY), "brackets"),
    ("baseline_tables tax_presets",
     lambda: landscape.baseline_tables(S, ["three"], {"paper": PAPER_UTILITY}, [0.4]),
     "tax_presets"),
    ("small_n_check brackets",
     lambda: analysis.small_n_check(S, "three", PAPER_UTILITY, "paper_swf", [0.0]), "brackets"),
    ("rational_welfare utility",
     lambda: analysis.rational_welfare(S, THREE, [0.1, 0.2, 0.3], "paper"), "utility"),
    ("elasticity_curve utilities",
     lambda: analysis.elasticity_curve(S, ["paper"], [0.1]), "utilities"),
    ("bracket_elasticities brackets",
     lambda: analysis.bracket_elasticities(S, "three", {"paper": PAPER_UTILITY}, {}), "brackets"),
    ("saez_by_elasticity brackets",
     lambda: analysis.saez_by_elasticity(S, "three", PAPER_UTILITY, {"0.4": 0.4}), "brackets"),
    ("classroom_figure utility",
     lambda: classroom_figure(S, THREE, [0.1, 0.2, 0.3], "paper", "utilitarian"), "utility"),
    ("flat_rate_answers utilities", lambda: flat_rate_answers(S, ["paper"], 3), "utilities"),
    ("bracket_share_table preset", lambda: bracket_share_table(None, "three"), "preset"),
    ("TaxSchedule.preset preset", lambda: TaxSchedule.preset("three"), "preset"),
    ("bracket_edges cutoffs", lambda: bracket_edges("three"), "cutoffs"),
]


@pytest.mark.parametrize(("call", "param"), [c[1:] for c in NAMED_CALLS],
                         ids=[c[0] for c in NAMED_CALLS])
def test_lower_layers_refuse_a_preset_name_and_say_how_to_resolve_it(call, param):
    with pytest.raises(TypeError) as err:
        call()
    msg = str(err.value)
    assert msg.startswith(f"{param} must "), msg
    assert "TAX_PRESETS.get(" in msg or "UTILITY_PRESETS.get(" in msg, msg


def test_the_messages_in_full():
    with pytest.raises(TypeError) as err:
        stackelberg(S, THREE, "calibrated")
    assert str(err.value) == (
        "utility must be a UtilityParams, not the preset name 'calibrated': resolve a preset "
        "name once at the top, e.g. UTILITY_PRESETS.get('calibrated')")
    with pytest.raises(TypeError) as err:
        check_utility(3.5)
    assert str(err.value) == ("utility must be a UtilityParams (e.g. UTILITY_PRESETS.get('paper'));"
                              " got float")
    with pytest.raises(TypeError) as err:
        stackelberg(S, "us_federal_2024")
    assert str(err.value) == (
        "cutoffs must be a TaxPreset, not the preset name 'us_federal_2024': resolve a preset "
        "name once at the top, e.g. TAX_PRESETS.get('us_federal_2024')")


def test_objects_pass_and_equal_the_resolved_names():
    """A preset object, a schedule and plain edges give the same brackets; objects are the ones
    the registries hold (resolving a name twice gives the same object)."""
    for brackets in (THREE, SCH, THREE.cutoffs, list(THREE.cutoffs)):
        np.testing.assert_array_equal(bracket_edges(brackets), THREE.cutoffs)
    assert TAX_PRESETS.get("three") is THREE and UTILITY_PRESETS.get("paper") is PAPER_UTILITY
    assert stackelberg(S, THREE, PAPER_UTILITY).rates.tolist() == stackelberg(
        S, SCH, UTILITY_PRESETS.get("paper")).rates.tolist()


def _preset_lookups() -> list[tuple[str, str, int]]:
    """Every ``TAX_PRESETS.get``/``UTILITY_PRESETS.get`` call and ``TaxSchedule.preset`` with a
    string in the package: (module, enclosing function, line)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        enclosing: dict[int, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for child in ast.walk(node):
                    # the outermost function wins: methods report their own name
                    enclosing.setdefault(id(child), node.name)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            f = node.func
            lookup = (f.attr == "get" and isinstance(f.value, ast.Name)
                      and f.value.id in REGISTRIES)
            by_name = (f.attr == "preset" and isinstance(f.value, ast.Name)
                       and f.value.id == "TaxSchedule" and node.args
                       and isinstance(node.args[0], ast.Constant)
                       and isinstance(node.args[0].value, str))
            if lookup or by_name:
                found.append((module, enclosing.get(id(node), "*"), node.lineno))
    return found


def test_preset_names_are_resolved_only_in_the_top_layers():
    lookups = _preset_lookups()
    assert lookups, "the scan found no lookup at all: it no longer sees the registries"
    below = [(m, fn, line) for m, fn, line in lookups
             if (m, "*") not in TOP_LAYERS and (m, fn) not in TOP_LAYERS]
    assert below == [], ("preset names resolved below the top layers (take a TaxPreset / "
                         f"UtilityParams instead; see docs/architecture.md, Presets): {below}")


def test_get_utility_is_kept_one_release_with_a_warning():
    from econsim.economy.utility import get_utility
    from econsim.renamed import RenamedWarning

    with pytest.warns(RenamedWarning, match=r"get_utility\(name\) is renamed UTILITY_PRESETS"):
        assert get_utility("calibrated") is UTILITY_PRESETS.get("calibrated")
