"""LLM-written personas: concurrency, caching in the call store, content, via a fake backend."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from econsim.llm import CallStore, LLMClient
from econsim.llm.types import RawReply
from econsim.population import Population
from econsim.population.llm_personas import persona_requests, write_llm_personas


class FakePersonaBackend:
    """Answers persona prompts after a fixed delay and records how many calls overlap."""

    kind = "fake"
    model = "fake-persona-1"
    url = None

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls = 0

    async def request(self, messages, *, schema, call_id, temperature, max_tokens):
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(self.delay)
        self.in_flight -= 1
        user = messages[-1]["content"]
        age = re.search(r"Age: (\d+)", user).group(1)
        sex = re.search(r"Sex: (\w+)", user).group(1)
        occ = re.search(r"Occupation: (.+)", user).group(1).strip()
        text = (f"You are a {age}-year-old {'woman' if sex == 'female' else 'man'} in "
                f"{occ.lower()}. You keep a close eye on your budget.")
        return RawReply(json.dumps({"PERSONA": text}), 50, 30, self.model)

    async def aclose(self):
        return None


def test_llm_personas_are_requested_concurrently_and_cached(tmp_path):
    pop = Population.sample(40, seed=2, personas="none")
    fake = FakePersonaBackend(delay=0.05)
    store = CallStore(tmp_path / "calls.sqlite", "record")
    client = LLMClient(fake, store=store, concurrency=8)
    out = write_llm_personas(pop, client)
    # concurrency shows in the calls in flight together (timings belong to `make bench`)
    assert fake.calls == 40 and fake.max_in_flight == 8
    for row, text in zip(out.agents.itertuples(), out.personas, strict=True):
        assert f"{row.age}-year-old" in text and row.occupation.lower() in text
    assert out.config["persona_source"] == "llm:fake/fake-persona-1"
    again = write_llm_personas(pop, client)  # same call ids: served from the store
    assert fake.calls == 40 and again.personas == out.personas
    client.close()


def test_persona_requests_show_the_demographics_and_income():
    pop = Population.sample(3, seed=5, personas="none")
    reqs = persona_requests(pop, [1])
    user = reqs[0].messages[-1]["content"]
    row = pop.agents.iloc[1]
    assert f"Age: {row.age}" in user and f"Sex: {row.sex}" in user
    assert f"Occupation: {row.occupation}" in user
    assert f"Annual income: ${row.skill * 40:,.0f}" in user
    assert reqs[0].call_id == "persona/5/1"


def test_surrogate_backend_writes_personas_offline():
    pop = Population.sample(6, seed=0, personas="none")
    out = write_llm_personas(pop, "surrogate", seed=0)
    for row, text in zip(out.agents.itertuples(), out.personas, strict=True):
        assert text.startswith("You are") and f"{row.age}-year-old" in text


def test_unknown_prompt_style():
    with pytest.raises(ValueError, match="prompt style"):
        persona_requests(Population.sample(2, seed=0, personas="none"), style="poetic")
