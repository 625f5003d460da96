"""The classroom app's per-round redraw (econsim.classroom.view, econsim.classroom.figure_round):
figures kept for the session show each new round's data, draw exactly like new figures and like a
plain full draw of themselves, and "new game" draws the start again."""

import io

import matplotlib as mpl
import numpy as np
import pytest
from PIL import Image

from econsim.baselines.inverse_optimum import inverse_optimum
from econsim.classroom.figure_game import inverse_figure, round_figure
from econsim.classroom.figure_round import InverseFigure, RoundFigure
from econsim.classroom.game import Game, GameSetup
from econsim.classroom.view import RoundRenderer, schedule_inverse
from econsim.figures.classroom_base import TEXT_RC, png_bytes

RATES = ([0.1, 0.3, 0.5], [0.4, 0.4, 0.4], [0.7, 0.2, 0.9])


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.fixture(scope="module", params=["rational", "surrogate_vec"])
def played(request):
    """A session: the preview and three rounds, each redraw kept with the game state."""
    game = Game(GameSetup(n_agents=300, n_rounds=3, worker=request.param))
    renderer = RoundRenderer()
    views = [renderer.draw(game, preview_rates=[0.3, 0.3, 0.3])]
    figures = {id(renderer.round_figure), id(renderer.inverse_figure)}
    for rates in RATES:
        game.play(rates)
        views.append(renderer.draw(game, preview_rates=rates))
        figures |= {id(renderer.round_figure), id(renderer.inverse_figure)}
    return game, renderer, views, figures


def test_a_redraw_shows_the_new_round(played):
    game, renderer, views, figures = played
    assert len(figures) == 2  # the same two figures all session
    assert len({v.round_png for v in views}) == 4 and len({v.inverse_png for v in views}) == 4
    assert all(v.round_png.startswith(b"\x89PNG") for v in views)
    assert _pixels(views[-1].round_png).shape == (460, 756, 4)  # 10.5 x 6.4 in at 72 dpi
    fig = renderer.round_figure
    out = game.rounds[-1].outcome
    np.testing.assert_array_equal(fig.hours.get_ydata(), out.labour[np.argsort(game.skill)])
    history = game.history()
    assert list(fig.welfare.get_xdata()) == [1, 2, 3]
    assert list(fig.welfare.get_ydata()) == [h["welfare"] for h in history]
    np.testing.assert_allclose([b.get_height() for b in fig.revenue],
                               [h["revenue_per_worker"] / 1000 for h in history])
    for patches in (fig.pre, fig.post):  # every worker in one bin (the top 2 % in the last)
        assert sum(p.get_height() for p in patches) == game.setup.n_agents
    ymin, ymax = fig.axes[3].get_ylim()
    assert ymin < min(h["welfare"] for h in history) <= max(h["welfare"] for h in history) < ymax
    assert fig.suptitle.get_text().startswith("rates 70 / 20 / 90 %")
    assert fig.axes[0].title.get_text().startswith("round 3:")
    assert not any(t.get_visible() for t in fig.placeholders)
    inv = schedule_inverse(game.schedule(RATES[-1]), out.pre_tax_income, game.setup.elasticity)
    line = renderer.inverse_figure.panel.lines["you"]
    np.testing.assert_array_equal(line.get_ydata(), np.clip(inv.weights, -3, 6))
    np.testing.assert_array_equal(line.get_xdata(), np.maximum(inv.group_lo, 1000.0) / 1000)
    assert views[-1].inverse.message == inv.message
    # rounds 1-2 are rationalisable, round 3 is not: the legend and the note follow
    assert [v.inverse.rationalisable for v in views[1:]] == [True, True, False]
    panel = renderer.inverse_figure.panel
    assert [t.get_text() for t in panel.ax.get_legend().get_texts()] == [
        "you (needs a negative weight)"]
    assert panel.note.get_visible() and panel.note.get_text().endswith(":\nyou")


def test_a_redrawn_figure_draws_like_a_new_one(played):
    game, renderer, views, _ = played
    fresh = RoundFigure(game).update(game).png()
    assert fresh == views[-1].round_png  # byte for byte
    assert InverseFigure().update({"you": views[-1].inverse}).png() == views[-1].inverse_png
    replay = Game(game.setup, game.skill)
    other = RoundRenderer()
    assert other.draw(replay, preview_rates=[0.3] * 3).round_png == views[0].round_png
    for rates, view in zip(RATES, views[1:], strict=True):
        replay.play(rates)
        again = other.draw(replay, preview_rates=rates)
        assert (again.round_png, again.inverse_png) == (view.round_png, view.inverse_png)


def test_the_layers_draw_what_a_full_draw_draws(played):
    """The top layer over the cached background gives the pixels of a plain full draw (same
    text settings), so no artist is lost or drawn out of order."""
    _, renderer, views, _ = played
    with mpl.rc_context(TEXT_RC):
        full = png_bytes(renderer.round_figure.fig, dpi=72)
        full_inverse = png_bytes(renderer.inverse_figure.fig, dpi=72)
    np.testing.assert_array_equal(_pixels(full), _pixels(views[-1].round_png))
    np.testing.assert_array_equal(_pixels(full_inverse), _pixels(views[-1].inverse_png))


def test_new_game_draws_the_start_again(played):
    game, renderer, views, _ = played
    figure = renderer.round_figure
    again = renderer.draw(game.restart(), preview_rates=[0.3, 0.3, 0.3])
    assert renderer.round_figure is figure  # same setup and population: figure kept
    assert again.round_png == views[0].round_png
    assert again.inverse_png == views[0].inverse_png
    assert all(t.get_visible() for t in figure.placeholders)
    # restore what the module's other tests see
    renderer.draw(game, preview_rates=RATES[-1])


def test_another_setup_gets_its_own_figure():
    game = Game(GameSetup(n_agents=200, n_rounds=2))
    renderer = RoundRenderer()
    renderer.draw(game, preview_rates=[0.2] * 3)
    first = renderer.round_figure
    seven = Game(GameSetup(n_agents=200, n_rounds=2, brackets=7))
    seven.play([0.3] * 7)
    view = renderer.draw(seven)
    assert renderer.round_figure is not first and view.round_png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="another setup or population"):
        first.update(seven)
    with pytest.raises(ValueError, match="preview rates"):
        RoundRenderer().draw(Game(GameSetup(n_agents=50)))


def test_new_figure_functions_keep_their_meaning():
    game = Game(GameSetup(n_agents=200, n_rounds=2))
    empty = round_figure(game)
    assert [t.get_text() for ax in empty.axes for t in ax.texts if t.get_visible()] == [
        "set the rates and play round 1"] * 4
    r = game.play([0.2, 0.5, 0.95])
    fig = round_figure(game)
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "earning power: income at 40 h/week (USD, log)", "round (tax year)",
        "income (USD k; the top 2 % in the last bin)", "round (tax year)"]
    assert [t.get_text() for t in fig.axes[2].get_legend().get_texts()] == [
        "before tax", "after tax and rebate"]
    assert png_bytes(fig).startswith(b"\x89PNG")
    inv = inverse_optimum(game.schedule(r.rates), r.outcome.pre_tax_income, 0.4, points=12)
    ax = inverse_figure({"you": inv}).axes[0]
    assert not inv.rationalisable  # 95 % on the top bracket is past the Laffer rate
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "you (needs a negative weight)"]
    (note,) = [t for t in ax.texts if t.get_visible()]
    assert note.get_text() == "needs a negative weight (a rate past the revenue peak):\nyou"
