"""``make student``: teaching notebooks without solution cells, outputs or answer figures."""

import json

import pandas as pd

from econsim.compendium.paths import project_root
from econsim.compendium.student import TEACHING_NOTEBOOKS, build, main

ROOT = project_root()
#: Code and phrases that compute or state an answer (solution cells only).
ANSWER_MARKERS = ("flat_rate_answers", "saez_by_elasticity", ".solve(", "checked_answers",
                  "exercise_answers", "revenue is highest at", "peaks at a flat rate")


def test_student_build_has_no_answers(tmp_path):
    written = build([ROOT / p for p in TEACHING_NOTEBOOKS], tmp_path, ROOT / "figures")
    assert (tmp_path / "09_classroom.ipynb") in written
    for path in tmp_path.glob("*.ipynb"):
        text = path.read_text()
        nb = json.loads(text)
        assert all("solution" not in c["metadata"].get("tags", []) for c in nb["cells"])
        assert all(c.get("outputs", []) == [] for c in nb["cells"])
        for marker in ANSWER_MARKERS:
            assert marker not in text, f"{path.name} shows {marker!r}"
        source = json.loads((ROOT / "notebooks" / path.name).read_text())
        assert len(nb["cells"]) < len(source["cells"])  # solution cells existed and went
    # the answers the lecturer's files hold appear nowhere in the student's notebook
    answers = pd.read_csv(ROOT / "results/09_classroom/exercise_answers.csv")
    text = (tmp_path / "09_classroom.ipynb").read_text()
    for rate in answers.revenue_max_rate:
        assert f"{rate:.0%}" not in text
    figures = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    # the exercise curves are a solution figure: not in the student build
    assert figures == ["09_classroom.png", "11_G_and_rates.png", "11_hazard_ratio.png"]


def test_student_cli_builds_into_a_folder(tmp_path, capsys):
    assert main(["notebooks/09_classroom.ipynb", "--out", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "09_classroom.ipynb").is_file()
    assert "09_classroom.ipynb" in capsys.readouterr().out
