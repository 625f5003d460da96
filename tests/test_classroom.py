"""The classroom app of notebook 09: controls redraw the figure, without any output capture."""

import numpy as np

from econsim.economy.skills import sample_skills
from econsim.figures.classroom import classroom_app


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
