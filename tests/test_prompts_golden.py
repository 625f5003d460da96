"""Rendered prompts do not change by accident (see ``tests/prompt_samples.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from prompt_samples import rendered

GOLDEN = Path(__file__).parent / "data" / "golden_prompts.json"


def test_prompts_render_as_recorded():
    golden = json.loads(GOLDEN.read_text())
    now = rendered()
    assert sorted(now) == sorted(golden)
    changed = sorted(k for k in golden if golden[k] != now[k])
    assert changed == [], f"prompt text changed for {changed[:5]} (regenerate the golden file " \
                          "only for an intended wording change)"
