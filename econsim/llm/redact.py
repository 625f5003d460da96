"""Remove API keys from every text econsim prints or writes.

A server (or a proxy in front of it) may echo the credentials it received in an error message;
that text would otherwise reach exception messages, the call store, ``calls.parquet``, the run's
``status.json`` and the terminal. :func:`redact` replaces

* the current value of every environment variable a backend reads a key from
  (:data:`KEY_ENV_VARS`; adapters add custom ``api_key_env`` names with :func:`register_key_env`),
* and anything shaped like a provider key (``sk-`` followed by 16 or more key characters),

with ``[REDACTED]`` (naming the variable when it is a configured key).
"""

from __future__ import annotations

import os
import re

#: Environment variables holding API keys (the adapters' defaults plus any registered name).
KEY_ENV_VARS: set[str] = {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
_KEY_SHAPE = re.compile(r"sk-[A-Za-z0-9_\-]{16,}")
#: Shorter values are not treated as keys (they would match ordinary words).
MIN_KEY_LENGTH = 8


def register_key_env(name: str) -> None:
    """Also redact the value of environment variable ``name`` (a backend's ``api_key_env``)."""
    KEY_ENV_VARS.add(name)


def redact(text: str) -> str:
    """``text`` with configured keys and key-shaped strings replaced by ``[REDACTED]``."""
    if not text:
        return text
    for var in sorted(KEY_ENV_VARS):
        value = os.environ.get(var, "")
        if len(value) >= MIN_KEY_LENGTH and value in text:
            text = text.replace(value, f"[REDACTED:{var}]")
    return _KEY_SHAPE.sub("[REDACTED]", text)


def url_without_credentials(url: str) -> str:
    """``url`` without a ``user:password@`` part (what a provenance record may hold)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
