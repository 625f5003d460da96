"""Bad input to the economics gets one clear error naming the parameter and what is allowed.

Messages are compared whole: a message that names the wrong parameter, or none, is a bug.
"""

import re

import numpy as np
import pytest

from econsim.economy import best_response as br
from econsim.economy import outcomes as oc
from econsim.economy import utility as ut
from econsim.economy import welfare as wf
from econsim.economy.tax import TaxSchedule

P = ut.CALIBRATED_UTILITY
S = TaxSchedule.flat(0.2)
OBJ = "valid names: paper_swf, inverse_income, utilitarian, rawlsian, atkinson, " \
      "equality_productivity"

CASES = {
    "menu response, skill": (lambda: br.best_response_menu(["x"], S, P),
                             "skill must be numeric; got ['x']"),
    "brute force, skill": (lambda: br.best_response_menu_bruteforce(["x"], S, P),
                           "skill must be numeric; got ['x']"),
    "continuous, skill": (lambda: br.best_response_continuous(["x"], S, P),
                          "skill must be numeric; got ['x']"),
    "continuous, max_hours": (lambda: br.best_response_continuous([1.0], S, P, max_hours=101),
                              "max_hours must be in [0.0, 100.0]; got 101"),
    "menu, not numeric": (lambda: br.best_response_menu([1.0], S, P, menu=["x"]),
                          "menu must be numeric; got ['x']"),
    "menu, empty": (lambda: br.best_response_menu([1.0], S, P, menu=[]),
                    "menu must be a non-empty list of hours in [0, 100]"),
    "menu, above 100": (lambda: br.best_response_menu([1.0], S, P, menu=[0, 120]),
                        "menu must be a non-empty list of hours in [0, 100]"),
    "interior labour, skill": (lambda: P.interior_labour(["x"]),
                               "skill must be numeric; got ['x']"),
    "interior labour, rate": (lambda: P.interior_labour([1.0], rate=["x"]),
                              "rate must be numeric; got ['x']"),
    "labour cost, labour": (lambda: ut.labour_cost(["x"], P), "labour must be numeric; got ['x']"),
    "labour cost, range": (lambda: ut.labour_cost([120.0], P),
                           "labour must be weekly hours in [0, 100]"),
    "utility, income": (lambda: ut.utility(["x"], [1.0], P),
                        "post_tax_income must be numeric; got ['x']"),
    "utility, labour": (lambda: ut.utility([1.0], ["x"], P), "labour must be numeric; got ['x']"),
    "utility, shapes": (lambda: ut.utility([1.0, 2.0], [1.0], P),
                        "post_tax_income, labour must have the same shape (one entry per "
                        "person); got post_tax_income (2,), labour (1,)"),
    "adjusted, satisfaction": (lambda: ut.adjusted_utility([1.0], ["x"]),
                               "satisfaction must be numeric; got ['x']"),
    "adjusted, u": (lambda: ut.adjusted_utility(["x"], [1.0]), "u must be numeric; got ['x']"),
    "adjusted, values": (lambda: ut.adjusted_utility([1.0], [0.7]),
                         "satisfaction must be 1.0 (satisfied) or 0.5 (not satisfied)"),
    "c zero": (lambda: ut.UtilityParams(0.0, 2.0), "c must be in (0.0, inf); got 0.0"),
    "c infinite": (lambda: ut.UtilityParams(np.inf, 2.0), "c must be in (0.0, inf); got inf"),
    "delta infinite": (lambda: ut.UtilityParams(1.0, np.inf),
                       "delta must be in (1.0, inf); got inf"),
    "utility preset": (lambda: ut.UTILITY_PRESETS.get("x"),
                       "unknown utility preset 'x'; valid names: paper, calibrated"),
    "swf, u": (lambda: wf.paper_swf(["x"], [1.0]), "paper_swf: u must be numeric; got ['x']"),
    "empty": (lambda: wf.utilitarian([]), "utilitarian needs at least one person (got an empty u)"),
    "gini": (lambda: wf.gini([-1.0]), "gini needs non-negative incomes (allowed range [0, inf))"),
    "theil": (lambda: wf.theil([-1.0]),
              "theil needs non-negative incomes (allowed range [0, inf))"),
    "atkinson": (lambda: wf.atkinson_index([-1.0]),
                 "atkinson needs a non-empty array of incomes >= 0"),
    "atkinson epsilon": (lambda: wf.atkinson_index([1.0], epsilon=-1),
                         "epsilon must be in [0.0, inf); got -1"),
    "metric as objective": (lambda: wf.get_objective("gini"),
                            f"'gini' is a metric, not an objective; {OBJ}"),
    "unknown objective": (lambda: wf.get_objective("nope"), f"unknown objective 'nope'; {OBJ}"),
    "step, skill": (lambda: oc.economy_step(["x"], [1.0], S, P),
                    "skill must be numeric; got ['x']"),
    "step, labour": (lambda: oc.economy_step([1.0], ["x"], S, P),
                     "labour must be numeric; got ['x']"),
    "step, shapes": (lambda: oc.economy_step([1.0, 2.0], [1.0], S, P),
                     "labour must have one entry per worker: shape (1,) vs (2,)"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_message_names_the_parameter(case):
    call, message = CASES[case]
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()
