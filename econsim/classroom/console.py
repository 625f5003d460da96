"""The lecturer's console: the teacher's page of the class board (``/teacher?key=…``).

One HTML page, refreshed every 30 s: the game the class plays and a form to change it
(scenario and welfare function; pages opened or reloaded afterwards play it), the live list of
players, the ranking per setting with the class's schedules over the optimum and a delete button
per entry, the exercise results, the exports and a reset button. Every form posts the teacher
key; :mod:`econsim.classroom.server` checks it before acting.
"""

from __future__ import annotations

import base64
import html
import json
import time
from functools import lru_cache

from econsim.classroom.game import BRACKETS, GAME_WORKERS, Game, GameSetup
from econsim.classroom.store import ClassStore
from econsim.economy.utility import UTILITY_PRESETS
from econsim.economy.welfare import OBJECTIVES
from econsim.renamed import renamed_keys

#: Game settings the console's form lets the lecturer change, with their choices.
CHOICES: dict[str, list] = {"brackets": sorted(BRACKETS), "worker": list(GAME_WORKERS),
                            "utility": list(UTILITY_PRESETS), "objective": list(OBJECTIVES)}
#: Numeric settings of the form (name → input step).
NUMBERS = {"n_rounds": 1, "elasticity": 0.05}
#: A page not heard from for this many seconds counts as gone.
ACTIVE_S = 600.0


@lru_cache(maxsize=8)
def _optimum(setup_json: str):  # noqa: ANN202 - TaxSchedule
    from econsim.baselines.stackelberg import stackelberg

    game = Game(GameSetup(**json.loads(setup_json)))
    return stackelberg(game.skill, game.cutoffs, game.params,
                       objective=game.setup.objective, seed=game.setup.seed).schedule


def setup_from_form(current: GameSetup, form: dict[str, list[str]]) -> GameSetup:
    """The setup the console's form asks for (fields not in the form keep ``current``'s)."""
    values = current.to_dict()
    form = renamed_keys("GameSetup", form)  # a page served before the renames posts old names
    for name in (*CHOICES, *NUMBERS):
        if name in form:
            raw = form[name][0]
            kind = type(values[name])
            try:
                values[name] = kind(raw)
            except ValueError:
                raise ValueError(f"{name} must be a {kind.__name__}; got {raw!r}") from None
    return GameSetup(**values)


def _form(key: str, action: str, inner: str, label: str, confirm: str = "") -> str:
    guard = f" onsubmit=\"return confirm('{confirm}')\"" if confirm else ""
    return (f"<form method='post' action='{action}' style='display:inline'{guard}>"
            f"<input type='hidden' name='key' value='{html.escape(key)}'>{inner}"
            f"<button type='submit'>{label}</button></form>")


def setup_section(setup: GameSetup, key: str) -> str:
    fields = []
    for name, options in CHOICES.items():
        opts = "".join(f"<option{' selected' if o == getattr(setup, name) else ''}>"
                       f"{html.escape(str(o))}</option>" for o in options)
        fields.append(f"<label>{name} <select name='{name}'>{opts}</select></label> ")
    for name, step in NUMBERS.items():
        fields.append(f"<label>{name.replace('_', ' ')} <input name='{name}' type='number' "
                      f"step='{step}' value='{getattr(setup, name)}' style='width:5em'></label> ")
    return ("<h2>The game</h2><p>" + html.escape(
        f"{setup.brackets} brackets, {setup.worker} workers, {setup.utility} utility, welfare "
        f"{setup.objective}, {setup.n_rounds} rounds, elasticity {setup.elasticity:g}, "
        f"{setup.n_agents:,} workers (seed {setup.seed})") + "</p>"
        + _form(key, "/teacher/setup", "".join(fields), "change the game")
        + "<p><small>Pages opened or reloaded after the change play the new game.</small></p>")


def players_section(store: ClassStore, class_code: str) -> str:
    players = store.players(class_code)
    now = time.time()
    active = players[now - players.last_seen <= ACTIVE_S]
    rows = "".join(f"<tr><td>{html.escape(p.student or '(no name yet)')}</td>"
                   f"<td>{p.rounds}</td><td>{now - p.last_seen:,.0f} s ago</td></tr>"
                   for p in active.itertuples())
    return (f"<h2>Players</h2><p id='players'>{len(active)} playing now (seen in the last "
            f"{ACTIVE_S / 60:.0f} minutes)</p><table class='players' border='1' cellpadding='4'>"
            "<tr><th>student</th><th>rounds played</th><th>last seen</th></tr>" + rows
            + "</table>")


def exercise_table(store: ClassStore, class_code: str) -> str:
    """HTML table: one row per student, one column per exercise (solved? in how many tries)."""
    results = store.exercise_results(class_code)
    if results.empty:
        return "<p>No exercise tries yet.</p>"
    names = sorted(results.exercise.unique())
    cells = {(r.student, r.exercise): ("right" if r.solved else "not yet") + f" ({r.tries})"
             for r in results.itertuples()}
    head = "".join(f"<th>{html.escape(n.replace('_', ' '))}</th>" for n in names)
    rows = "".join("<tr><td>" + html.escape(st) + "</td>" + "".join(
        f"<td>{cells.get((st, n), '')}</td>" for n in names) + "</tr>"
        for st in sorted(results.student.unique()))
    solved = results.groupby("exercise").solved.mean()
    foot = "".join(f"<td>{solved.get(n, 0):.0%} right</td>" for n in names)
    return ("<table class='exercises' border='1' cellpadding='4'><tr><th>student</th>" + head
            + "</tr>" + rows + "<tr><td><i>class</i></td>" + foot + "</tr></table>"
            "<p>Cells: right / not yet, and the number of tries.</p>")


def ranking_section(store: ClassStore, class_code: str, key: str) -> str:
    from econsim.classroom.figure_game import class_board_figure, png_bytes

    ranking = store.ranking(class_code)
    subs = store.submissions(class_code).set_index("id")
    parts = []
    for setting, group in ranking.groupby("setting", sort=False):
        setup = subs.loc[int(group.id.iloc[0]), "setup"]
        optimum = _optimum(json.dumps(setup, sort_keys=True))
        png = png_bytes(class_board_figure(group, optimum, setting), dpi=80)
        rows = "".join(
            f"<tr><td>{r['rank']}</td><td>{html.escape(r.student)}</td>"
            f"<td>{r.final_welfare:,.0f}</td><td>{html.escape(r.final_rates)}</td>"
            f"<td>{r.n_rounds}</td><td>" + _form(
                key, "/teacher/delete", f"<input type='hidden' name='id' value='{r.id}'>",
                "delete", f"Delete the entry of {html.escape(r.student)}?") + "</td></tr>"
            for _, r in group.iterrows())
        parts.append(
            f"<h3>{html.escape(setting)}</h3><table class='ranking' border='1' cellpadding='4'>"
            "<tr><th>rank</th><th>student</th><th>welfare (last round)</th>"
            "<th>final rates (%)</th><th>rounds</th><th></th></tr>" + rows + "</table>"
            f"<p><img alt='class schedules over the optimum' "
            f"src='data:image/png;base64,{base64.b64encode(png).decode()}'></p>")
    return (f"<h2>Ranking</h2><p>{len(ranking)} submissions</p>" + "".join(parts))


def teacher_page(store: ClassStore, class_code: str, key: str, setup: GameSetup) -> str:
    """The lecturer's console (see the module docstring)."""
    k = html.escape(key)
    exports = (f"<p><a id='csv' href='/export.csv?key={k}'>export the ranking (CSV)</a> · "
               f"<a id='csv-exercises' href='/export_exercises.csv?key={k}'>export the exercise "
               "results (CSV)</a></p>")
    reset = _form(key, "/teacher/reset", "", "reset the class",
                  "Delete every submission, exercise try and player of this class?")
    parts = [f"<h1>Class board · class code <code>{html.escape(class_code or '(none)')}</code>"
             "</h1>", exports, setup_section(setup, key), players_section(store, class_code),
             ranking_section(store, class_code, key), "<h2>Exercises</h2>",
             exercise_table(store, class_code), "<h2>Reset</h2>", reset]
    return ("<!doctype html><html><head><meta charset='utf-8'><title>econsim class board"
            "</title><meta http-equiv='refresh' content='30'></head><body style='font-family:"
            "sans-serif'>" + "".join(parts) + "</body></html>")
