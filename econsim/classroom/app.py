"""The classroom web app (ipywidgets; ``econsim classroom`` serves the packaged notebook
``econsim/classroom/classroom.ipynb`` with Voilà).

All logic lives in :mod:`econsim.classroom` (game, scoreboard, exercises) and the figures in
:mod:`econsim.classroom.figure_game`; this module only wires widgets to them. Widgets carry CSS
classes (``econsim-…``) so the browser test can find them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import numpy as np

from econsim.classroom.exercises import EXERCISES, MAX_ATTEMPTS, Attempts
from econsim.classroom.figure_game import png_bytes, scoreboard_figure
from econsim.classroom.game import Game, GameSetup
from econsim.classroom.scoreboard import prefetch, scoreboard
from econsim.classroom.server import (
    board_from_env,
    checker_from_env,
    setup_from_board,
    submit_over_http,
    submitter_from_env,
)
from econsim.classroom.view import RoundRenderer
from econsim.figures.classroom_base import UTILITY_WORDS, WELFARE_WORDS

#: How the page names the worker models.
WORKER_WORDS = {"rational": "workers who pick their best hours at once",
                "surrogate_vec": "workers who learn their best hours over the rounds"}
#: The student page's glossary: (term, plain-words definition).
GLOSSARY = (
    ("marginal rate", "the tax on one more dollar earned in a bracket (%)."),
    ("bracket", "a range of income; each has its own marginal rate. 'above $11,600' means the "
                "rate applies to the dollars earned above $11,600."),
    ("rebate", "all tax revenue is paid back, the same amount to every worker."),
    ("welfare", "one number that says how good the outcome is for society; the page names "
                "the one your class uses."),
    ("Saez", "the optimal-tax formula rate = (1 − G)/(1 − G + a·e): G is how much society "
             "values a dollar for the people above an income, a how thin the income tail is, "
             "e how strongly income responds to taxes."),
    ("Stackelberg optimum", "the best schedule for this welfare, found by trying schedules "
                            "and letting the workers respond to each."),
    ("LLM planner", "a planner that learns a schedule by trial and error (here an offline "
                    "stand-in for a language model)."),
    ("what the schedule believes", "Saez's formula run backwards: how much a dollar would "
                                   "have to be worth at each income for your rates to be "
                                   "the best ones. A negative value means no society that "
                                   "cares about everyone would choose them."),
    ("elasticity e", "how much taxable income falls when the rate rises: 0.4 means 10 % less "
                     "kept per dollar gives about 4 % less income."),
)


class ClassroomApp:
    """One student's app: rate sliders, a play button, the round plots, the inverse optimum of
    the current schedule, the scoreboard after the last round, submission and exercises."""

    def __init__(self, setup: GameSetup, skill: np.ndarray | None = None,
                 submit: Callable[[dict], dict] | None = None, start_rates: list | None = None,
                 check: Callable[[dict], dict] | None = None,
                 progress: Callable[[dict], dict] | None = None,
                 fetch_setup: Callable[[], GameSetup] | None = None) -> None:
        import ipywidgets as w

        self.w = w
        self.game = Game(setup, skill)
        self.renderer = RoundRenderer()  # figures kept for the session, updated every round
        self.submit_fn = submit
        self.check_fn = check  # class mode: the board checks and logs exercise tries
        self.progress_fn = progress  # class mode: tells the console this page is alive
        self.fetch_setup = fetch_setup  # class mode: the game the lecturer chose
        self.player = secrets.token_hex(6)
        self.attempts = Attempts()  # local play: tries counted in this session
        start = start_rates or [0.3] * setup.brackets
        cut = self.game.cutoffs
        self.sliders = [w.IntSlider(value=round(100 * r), min=0, max=100, step=1,
                                    description=f"above ${c:,.0f}",
                                    continuous_update=False, layout=w.Layout(width="330px"))
                        for c, r in zip(cut, start, strict=True)]
        for k, s in enumerate(self.sliders):
            s.add_class("econsim-rate")
            s.add_class(f"econsim-rate-{k}")
        self.pending = w.HTML()
        self.pending.add_class("econsim-pending")
        for s in self.sliders:
            s.observe(self._show_pending, names="value")
        self._show_pending()
        self.name = w.Text(description="your name", placeholder="e.g. Ada L.")
        self.name.add_class("econsim-name")
        self.play_button = w.Button(description="play round 1", button_style="primary")
        self.play_button.add_class("econsim-play")
        self.play_button.on_click(self._play)
        self.status = w.HTML()
        self.status.add_class("econsim-status")
        self.round_image = w.Image(format="png", layout=w.Layout(width="820px"))
        self.round_image.add_class("econsim-round-plot")
        self.inverse_image = w.Image(format="png", layout=w.Layout(width="560px"))
        self.inverse_image.add_class("econsim-inverse-plot")
        self.inverse_text = w.HTML()
        self.inverse_text.add_class("econsim-inverse-text")
        self.board_image = w.Image(format="png", layout=w.Layout(width="1100px",
                                                                 display="none"))
        self.board_image.add_class("econsim-scoreboard-plot")
        self.board_table = w.HTML()
        self.board_table.add_class("econsim-scoreboard")
        self.submit_button = w.Button(description="submit to the class board",
                                      disabled=True, button_style="success",
                                      layout=w.Layout(width="260px"))
        self.submit_button.add_class("econsim-submit")
        self.submit_button.on_click(self._submit)
        self.new_button = w.Button(description="new game")
        self.new_button.add_class("econsim-new")
        self.new_button.on_click(self._new)
        self.widget = w.VBox([
            w.HTML(f"<p><b>{setup.n_rounds} tax years</b>, {setup.brackets} brackets, "
                   f"{setup.n_agents:,} {WORKER_WORDS.get(setup.worker, setup.worker)}, "
                   f"utility: {UTILITY_WORDS.get(setup.utility, setup.utility)}. Welfare is "
                   f"<b>{WELFARE_WORDS.get(setup.objective, setup.objective)}</b>. Set the "
                   "marginal rate of every bracket (%), then play the year.</p>"),
            self._glossary(),
            w.HBox([w.VBox([self.name, *self.sliders, self.pending, self.play_button,
                            self.status]),
                    w.VBox([self.inverse_image, self.inverse_text])]),
            self.round_image, self.board_table, self.board_image,
            w.HBox([self.submit_button, self.new_button]), self._exercises()])
        self._draw_round()
        prefetch(self.game)  # the baselines do not depend on the play: start them now
        self._report()

    # -- actions ----------------------------------------------------------------------------
    def _report(self) -> None:
        """Tell the class board (if any) that this page plays, with its rounds so far."""
        if self.progress_fn is None:
            return
        try:
            self.progress_fn({"player": self.player, "student": self.name.value.strip(),
                              "rounds": len(self.game.rounds)})
        except (OSError, ValueError):
            pass  # the list of players is a convenience: never stop a game for it

    def rates(self) -> list[float]:
        return [s.value / 100 for s in self.sliders]

    def _show_pending(self, *_: object) -> None:
        # echoed by the kernel, so the page shows the rates the game will actually use
        self.pending.value = ("next tax year's rates: "
                              + " / ".join(str(s.value) for s in self.sliders) + " %")

    def _play(self, *_: object) -> None:
        if self.game.finished:
            return
        r = self.game.play(self.rates())
        self._draw_round()
        self._report()
        done = self.game.finished
        rates = " / ".join(f"{100 * x:.0f}" for x in r.rates)
        self.status.value = (f"round {r.index + 1} (rates {rates} %): welfare "
                             f"{r.welfare:,.0f}, revenue ${r.outcome.tax.mean():,.0f} per worker"
                             + (" — game over, computing the scoreboard…" if done else ""))
        if done:
            self.play_button.disabled = True
            self.play_button.description = "game over"
            self._draw_scoreboard()
        else:
            self.play_button.description = f"play round {len(self.game.rounds) + 1}"

    def _draw_round(self) -> None:
        view = self.renderer.draw(self.game, preview_rates=self.rates())
        self.round_image.value = view.round_png
        self.inverse_image.value = view.inverse_png
        inv = view.inverse
        plain = ("every income group gets a weight of zero or more: some society that cares "
                 "about everyone would choose it" if inv.rationalisable else
                 "some income group would need a <b>negative</b> weight — a rate above the one "
                 "that raises the most revenue from them")
        self.inverse_text.value = (f"<p>Your schedule: {plain}. <small>(Economists: "
                                   f"{inv.message}.)</small></p>")

    def _draw_scoreboard(self) -> None:
        board = scoreboard(self.game)
        self.board_image.value = png_bytes(scoreboard_figure(board, self.game.setup.objective))
        self.board_image.layout.display = None
        t = board.table
        rows = "".join(f"<tr><td>{r['rank']}</td><td>{r.contender}</td>"
                       f"<td>{r.welfare:,.0f}</td><td>${r.revenue_per_worker:,.0f}</td>"
                       f"<td>{r.mean_hours:.1f}</td>"
                       f"<td>{' / '.join(f'{100 * x:.0f}' for x in r.rates)}</td>"
                       f"<td>{'yes' if r.rationalisable else 'no'}</td></tr>"
                       for _, r in t.iterrows())
        self.board_table.value = (
            "<h3>Scoreboard</h3><table border='1' cellpadding='4'><tr><th>rank</th>"
            "<th>planner</th><th>welfare</th><th>revenue per worker</th><th>mean hours a "
            "week</th><th>rates (%)</th><th>all weights &ge; 0?</th></tr>" + rows + "</table>")
        self.status.value += " done."
        self.submit_button.disabled = self.submit_fn is None
        if self.submit_fn is None:
            self.submit_button.description = "no class board (local play)"

    def _submit(self, *_: object) -> None:
        name = self.name.value.strip()
        if not name:
            self.status.value = "<b>Enter your name before submitting.</b>"
            return
        try:
            answer = self.submit_fn(self.game.submission(name))  # type: ignore[misc]
        except (OSError, ValueError) as err:
            self.status.value = f"<b>Submission failed:</b> {err}"
            return
        self.submit_button.disabled = True
        self.status.value = f"Submitted to the class board (entry {answer['id']})."

    def _new(self, *_: object) -> None:
        if self.fetch_setup is not None:
            try:
                chosen = self.fetch_setup()
            except (OSError, ValueError):
                chosen = self.game.setup
            if chosen != self.game.setup:
                self.status.value = ("<b>Your lecturer changed the game: reload the page to "
                                     "play it.</b>")
                return
        self.game = self.game.restart()
        self.play_button.disabled = False
        self.play_button.description = "play round 1"
        self.submit_button.disabled = True
        self.board_table.value, self.board_image.value = "", b""
        self.board_image.layout.display = "none"
        self.status.value = "new game"
        self._draw_round()

    def _glossary(self) -> object:
        """Plain-words definitions of the terms the page uses (collapsed)."""
        items = "".join(f"<dt><b>{term}</b></dt><dd>{text}</dd>" for term, text in GLOSSARY)
        box = self.w.Accordion(children=[self.w.HTML(f"<dl>{items}</dl>")])
        box.set_title(0, "glossary: the words on this page")
        box.selected_index = None
        box.add_class("econsim-glossary")
        return box

    # -- exercises ---------------------------------------------------------------------------
    def _exercises(self) -> object:
        w = self.w
        pick = w.Dropdown(options=[(EXERCISES.get(n).title, n) for n in EXERCISES],
                          description="exercise", layout=w.Layout(width="480px"))
        pick.add_class("econsim-exercise")
        question = w.HTML()
        inputs = w.HTML()
        inputs.add_class("econsim-inputs")
        probe_in = w.FloatText(value=50.0, layout=w.Layout(width="220px"))
        probe_in.add_class("econsim-probe-input")
        probe_button = w.Button(description="compute")
        probe_button.add_class("econsim-probe")
        probe_out = w.HTML()
        probe_out.add_class("econsim-probe-output")
        probe_box = w.HBox([probe_in, probe_button, probe_out])
        answer = w.FloatText(description=f"answer ({EXERCISES.get(pick.value).unit})")
        answer.add_class("econsim-answer")
        button = w.Button(description="check")
        button.add_class("econsim-check")
        verdict = w.HTML()
        verdict.add_class("econsim-verdict")

        def show(*_: object) -> None:
            ex = EXERCISES.get(pick.value)
            question.value = f"<p>{ex.question}</p>"
            values = ex.inputs(self.game)
            inputs.value = ("<ul>" + "".join(f"<li>{k}: <b>{v:,.6g}</b></li>"
                                             for k, v in values.items()) + "</ul>"
                            if values else "")
            probe_box.layout.display = None if ex.probe else "none"
            if ex.probe:
                probe_in.description = f"{ex.probe.label} ({ex.probe.unit})"
            probe_out.value = verdict.value = ""

        def run_probe(*_: object) -> None:
            ex = EXERCISES.get(pick.value)
            try:
                probe_out.value = ex.probe.show(self.game, probe_in.value)  # type: ignore[union-attr]
            except ValueError as err:
                probe_out.value = f"<b>{err}</b>"

        def run_check(*_: object) -> None:
            verdict.value = self._check(pick.value, answer.value)

        pick.observe(show, names="value")
        probe_button.on_click(run_probe)
        button.on_click(run_check)
        show()
        return w.VBox([w.HTML(f"<h3>Exercises (checked by econsim; {MAX_ATTEMPTS} tries each)"
                              "</h3>"), pick, question, inputs, probe_box,
                       w.HBox([answer, button]), verdict])

    def _check(self, name: str, answer: float) -> str:
        """Check one try: on the class board in class mode (it counts and logs the tries),
        locally otherwise. Returns the verdict (never the answer)."""
        if self.check_fn is None:
            try:
                return self.attempts.check(name, answer, self.game).message
            except ValueError as err:
                return f"<b>{err}</b>"
        student = self.name.value.strip()
        if not student:
            return "<b>Enter your name (top of the page) before checking.</b>"
        try:
            result = self.check_fn({"student": student, "setup": self.game.setup.to_dict(),
                                    "exercise": name, "answer": answer})
        except (OSError, ValueError) as err:
            return f"<b>{err}</b>"
        return result["message"]


def classroom_game_app(setup: GameSetup | None = None, skill: np.ndarray | None = None,
                       submit: Callable[[dict], dict] | None = None) -> ClassroomApp:
    """The app for ``setup``, submitting to the class board when one is configured.

    In class mode the game is the one the lecturer chose on the console (``GET /api/setup``);
    otherwise ``setup``, else the teacher's settings from the environment
    (:meth:`GameSetup.from_env`)."""
    board = board_from_env()
    fetch: Callable[[], GameSetup] | None = None
    progress: Callable[[dict], dict] | None = None
    if board is not None:
        url, code = board
        fetch = lambda: setup_from_board(url, code)  # noqa: E731
        try:
            setup = fetch()
        except (OSError, ValueError):
            pass  # the board is down: play the settings the page was started with
        progress = lambda p: submit_over_http(url, code, p, endpoint="/api/progress")  # noqa: E731
    return ClassroomApp(setup or GameSetup.from_env(),
                        skill, submit if submit is not None else submitter_from_env(),
                        check=checker_from_env(), progress=progress, fetch_setup=fetch)
