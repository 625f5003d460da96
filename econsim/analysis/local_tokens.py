"""Token counts with a local model's own vocabulary (llama.cpp, ``vocab_only``), when installed.

For ``llamacpp/<model>`` backends the estimate counts the pilot's rendered prompts with the
GGUF file's tokenizer: only the vocabulary is loaded (``llama_cpp.Llama(..., vocab_only=True)``,
no weights), so this is fast and offline. Each message is counted inside the ChatML frame that
SmolLM2's chat template writes (``<|im_start|>role\\n … <|im_end|>\\n``, then
``<|im_start|>assistant\\n``); other templates differ by a few tokens per message.
Without ``llama-cpp-python`` or the model file the estimate falls back to the recorded pack's
characters per token (:func:`econsim.analysis.estimate.read_calibration`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4)
def _vocab(spec: str) -> Any | None:
    try:
        import llama_cpp
    except ImportError:
        return None
    from econsim.llm.llamacpp_backend import resolve_model

    try:
        path, _ = resolve_model(spec)
    except ValueError:
        return None
    return llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)


def count_chat_tokens(vocab: Any, messages: Sequence[dict[str, str]]) -> int:
    """Tokens of ``messages`` in the ChatML frame (see the module docstring)."""
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    text += "<|im_start|>assistant\n"
    return len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def chars_per_token(spec: str, prompts: Sequence[Sequence[dict[str, str]]]
                    ) -> tuple[float, float] | None:
    """Smallest and largest characters per token of ``prompts`` with the model's own
    tokenizer, or ``None`` when it is not installed (or ``prompts`` is empty)."""
    vocab = _vocab(spec)
    if vocab is None or not prompts:
        return None
    ratios = [sum(len(m["content"]) for m in p) / max(1, count_chat_tokens(vocab, p))
              for p in prompts]
    return min(ratios), max(ratios)
