"""The classroom app of notebook 09: controls redraw the figure, without any output capture."""

import numpy as np

from econsim.classroom.sandbox import classroom_app
from econsim.economy.skills import sample_skills


def test_classroom_app_redraws_on_every_control():
    import ipywidgets as w

    skills = sample_skills(200, np.random.default_rng(0))
    app = classroom_app(skills, "three", [0.1, 0.2, 0.3])
    controls, image = app.children
    assert isinstance(image, w.Image) and bytes(image.value).startswith(b"\x89PNG")
    sliders = [c for c in controls.children if isinstance(c, w.IntSlider)]
    assert [s.value for s in sliders] == [10, 20, 30]
    drops = {c.description: c for c in controls.children if isinstance(c, w.Dropdown)}
    seen = {bytes(image.value)}
    sliders[0].value = 90
    seen.add(bytes(image.value))
    drops["utility"].value = "paper"
    seen.add(bytes(image.value))
    drops["welfare"].value = "rawlsian"
    seen.add(bytes(image.value))
    assert len(seen) == 4  # each change drew a different figure


def test_game_app_plays_rounds_shows_the_scoreboard_and_submits():
    import ipywidgets as w

    from econsim.classroom.app import ClassroomApp
    from econsim.classroom.game import GameSetup

    sent = []
    app = ClassroomApp(GameSetup(n_agents=200, n_rounds=2), submit=lambda p: sent.append(p)
                       or {"id": 7})
    assert isinstance(app.widget, w.VBox)
    inverse = {bytes(app.inverse_image.value)}
    rounds = {bytes(app.round_image.value)}
    figure = app.renderer.round_figure
    for value in (20, 60):
        app.sliders[2].value = value
        assert app.pending.value.endswith(f"30 / 30 / {value} %")
        app.play_button.click()
        assert f"(rates 30 / 30 / {value} %)" in app.status.value
        inverse.add(bytes(app.inverse_image.value))
        rounds.add(bytes(app.round_image.value))
    assert len(inverse) == 3  # the preview and one inverse-optimum plot per round
    assert len(rounds) == 3 and app.renderer.round_figure is figure  # redrawn, not rebuilt
    assert app.play_button.disabled and "Stackelberg optimum" in app.board_table.value
    assert bytes(app.board_image.value).startswith(b"\x89PNG")
    app.submit_button.click()
    assert not sent and "Enter your name" in app.status.value
    app.name.value = "Ada"
    app.submit_button.click()
    assert sent[0]["student"] == "Ada" and sent[0]["rates"][1][2] == 0.6
    assert "entry 7" in app.status.value
    app.new_button.click()
    assert not app.game.rounds and not app.play_button.disabled
    assert app.renderer.round_figure is figure and bytes(app.round_image.value) in rounds


def test_game_app_exercises_show_inputs_and_a_calculator_and_hide_the_answer():
    from econsim.classroom.app import ClassroomApp
    from econsim.classroom.exercises import EXERCISES
    from econsim.classroom.game import GameSetup

    logged = []
    app = ClassroomApp(GameSetup(n_agents=200), check=lambda p: logged.append(p) or {
        "message": "Not quite (checked on the board)"})
    glossary = app.widget.children[1]
    assert "marginal rate" in glossary.children[0].value and "Saez" in glossary.children[0].value
    box = app.widget.children[-1]
    pick, question, inputs, probe, row, verdict = box.children[1:]
    answer, button = row.children
    expected = EXERCISES.get(pick.value).solve(app.game)
    probe.children[0].value = 40.0
    probe.children[1].click()
    assert "revenue per worker ($)" in probe.children[2].value
    answer.value = expected + 30
    button.click()
    assert "Enter your name" in verdict.value and not logged
    app.name.value = "Ada"
    button.click()
    assert logged[0]["exercise"] == pick.value and logged[0]["student"] == "Ada"
    pick.value = "diamond_saez_top_rate"
    assert "top cutoff z*" in inputs.value and probe.layout.display == "none"
    local = ClassroomApp(GameSetup(n_agents=200))  # local play: checked in the session
    box = local.widget.children[-1]
    answer, button = box.children[5].children
    answer.value = expected + 30
    button.click()
    message = box.children[6].value
    assert "too high" in message and f"{expected:g}" not in message
