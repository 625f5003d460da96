"""``econsim serve``: the surrogate behind OpenAI- and Anthropic-compatible HTTP endpoints.

Endpoints (loopback only): ``GET /v1/models``, ``POST /v1/chat/completions`` (OpenAI) and
``POST /v1/messages`` (Anthropic Messages, tool use for structured output), plus ``GET /stats``
(request and fault counters). Point any OpenAI client at ``http://127.0.0.1:<port>/v1`` with any
API key, e.g. ``econsim`` backend ``openai-compatible/surrogate@http://127.0.0.1:8765/v1``.

Fault injection. Each fault has a fraction ``p`` of the attempts of every call that fail with it;
attempts are counted per call (the ``X-Econsim-Call-Id`` header without its ``#reask`` suffix, or
the request body) and the failing attempts are spread evenly, first attempt first: attempt ``n``
fails if ``ceil((n+1)·p) > ceil(n·p)``. So ``p = 0.5`` fails attempts 0, 2, 4, ...; ``p = 1``
fails them all; runs are reproducible. Faults are checked in the order hang, drop, 429, 5xx,
malformed. 429 and 5xx replies carry ``retry-after-ms`` (default 20 ms) like the real APIs.
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from econsim.llm.surrogate import SERVED_MODEL, Surrogate, infer_kind, prompt_text

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MALFORMED_TEXT = 'Sure! Here is my answer: {"ANSWER": forty, maybe more'
FAULTS = ("hang", "drop", "429", "5xx", "malformed")


@dataclass
class Faults:
    """Fractions of attempts failing with each fault, and timings."""

    hang: float = 0.0
    drop: float = 0.0
    rate_limit: float = 0.0
    server_error: float = 0.0
    malformed: float = 0.0
    latency_s: float = 0.0
    hang_s: float = 3600.0
    retry_after_ms: int = 20

    def __post_init__(self) -> None:
        for name in ("hang", "drop", "rate_limit", "server_error", "malformed"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"fault fraction {name} must be in [0, 1]; got {p!r}")
        if self.latency_s < 0 or self.hang_s < 0:
            raise ValueError("latency_s and hang_s must be >= 0")

    def pick(self, attempt: int) -> str | None:
        for fault, p in zip(FAULTS, (self.hang, self.drop, self.rate_limit, self.server_error,
                                     self.malformed), strict=True):
            if p > 0 and math.ceil((attempt + 1) * p - 1e-9) > math.ceil(attempt * p - 1e-9):
                return fault
        return None


class SurrogateServer(ThreadingHTTPServer):
    """Threaded HTTP server answering with a :class:`Surrogate`."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, host: str, port: int, seed: int, faults: Faults) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"econsim serve listens on loopback only; host must be one of "
                             f"{', '.join(LOOPBACK)}; got {host!r}")
        super().__init__((host, port), _Handler)
        self.surrogate = Surrogate(seed)
        self.faults = faults
        self.stats: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"

    def next_fault(self, key: str) -> str | None:
        with self.lock:
            n = self.attempts[key]
            self.attempts[key] += 1
            self.stats["requests"] += 1
            fault = self.faults.pick(n)
            if fault:
                self.stats[fault] += 1
            return fault

    def start(self) -> SurrogateServer:
        """Serve in a daemon thread and return self (for tests and notebooks)."""
        threading.Thread(target=self.serve_forever, name="econsim-serve", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall
    server: SurrogateServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet; never logs headers
        return None

    def _send(self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None
              ) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send(200, {"object": "list", "data": [
                {"id": SERVED_MODEL, "object": "model", "created": 0, "owned_by": "econsim"}]})
        elif self.path.rstrip("/") == "/stats":
            with self.server.lock:
                self._send(200, dict(self.server.stats))
        else:
            self._send(404, {"error": {"message": f"unknown path {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path = self.path.rstrip("/")
        if path not in ("/v1/chat/completions", "/v1/messages"):
            self._send(404, {"error": {"message": f"unknown path {self.path}"}})
            return
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "request body is not JSON"}})
            return
        call_id = self.headers.get("X-Econsim-Call-Id") or ""
        key = call_id.split("#")[0] if call_id else str(hash(raw))
        srv = self.server
        fault = srv.next_fault(key)
        if srv.faults.latency_s:
            time.sleep(srv.faults.latency_s)
        retry = {"retry-after-ms": str(srv.faults.retry_after_ms)}
        if fault == "hang":
            srv.stopping.wait(srv.faults.hang_s)
            self.close_connection = True
            return
        if fault == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault == "429":
            self._send(429, {"type": "error", "error": {"type": "rate_limit_error",
                       "message": "injected rate limit"}}, retry)
            return
        if fault == "5xx":
            self._send(500, {"type": "error", "error": {"type": "api_error",
                       "message": "injected server error"}}, retry)
            return
        if path == "/v1/chat/completions":
            self._openai(body, call_id or key, fault == "malformed")
        else:
            self._anthropic(body, call_id or key, fault == "malformed")

    def _answer(self, messages: list[dict[str, Any]], kind: str | None, call_id: str,
                malformed: bool) -> tuple[dict | None, str, int]:
        text = prompt_text(messages)
        if malformed:
            return None, MALFORMED_TEXT, len(text) // 4
        reply = self.server.surrogate.decide(messages, call_id, kind or infer_kind(text))
        return reply, json.dumps(reply), len(text) // 4

    def _openai(self, body: dict[str, Any], call_id: str, malformed: bool) -> None:
        fmt = body.get("response_format") or {}
        kind = (fmt.get("json_schema") or {}).get("name") if fmt.get("type") == "json_schema" \
            else None
        try:
            _, text, n_in = self._answer(body.get("messages", []), kind, call_id, malformed)
        except ValueError as exc:
            self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
            return
        self._send(200, {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
            "created": int(time.time()), "model": SERVED_MODEL,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": n_in, "completion_tokens": len(text) // 4 + 1,
                      "total_tokens": n_in + len(text) // 4 + 1}})

    def _anthropic(self, body: dict[str, Any], call_id: str, malformed: bool) -> None:
        msgs = list(body.get("messages", []))
        system = body.get("system")
        if system:
            msgs.insert(0, {"role": "system", "content": system})
        tools = body.get("tools") or []
        tool = tools[0]["name"] if tools else None
        kind = tool[len("reply_"):] if tool and tool.startswith("reply_") else None
        try:
            reply, text, n_in = self._answer(msgs, kind, call_id, malformed)
        except ValueError as exc:
            self._send(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                        "message": str(exc)}})
            return
        if reply is not None and tool:
            content = [{"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}",
                        "name": tool, "input": reply}]
            stop = "tool_use"
        else:
            content, stop = [{"type": "text", "text": text}], "end_turn"
        self._send(200, {
            "id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant",
            "model": SERVED_MODEL, "content": content, "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": n_in, "output_tokens": len(text) // 4 + 1}})


def serve(host: str = "127.0.0.1", port: int = 8765, *, seed: int = 0,
          faults: Faults | None = None) -> SurrogateServer:
    """Create (not start) a server; call ``.serve_forever()`` or ``.start()`` (thread)."""
    return SurrogateServer(host, port, seed, faults or Faults())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="econsim serve",
        description="Serve the offline surrogate over OpenAI- and Anthropic-compatible HTTP "
                    "endpoints on loopback, with optional latency and injected faults.")
    p.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    p.add_argument("--seed", type=int, default=0, help="surrogate seed")
    p.add_argument("--latency", type=float, default=0.0, help="added latency per request, s")
    p.add_argument("--p-429", type=float, default=0.0, help="fraction of attempts answered 429")
    p.add_argument("--p-5xx", type=float, default=0.0, help="fraction answered HTTP 500")
    p.add_argument("--p-malformed", type=float, default=0.0,
                   help="fraction answered 200 with unparseable text")
    p.add_argument("--p-drop", type=float, default=0.0,
                   help="fraction whose connection is closed without a reply")
    p.add_argument("--p-hang", type=float, default=0.0, help="fraction never answered")
    p.add_argument("--hang-seconds", type=float, default=3600.0, help="how long a hang lasts")
    p.add_argument("--retry-after-ms", type=int, default=20,
                   help="retry-after-ms header on 429/5xx")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``econsim serve`` and ``python -m econsim.llm.serve``."""
    args = build_parser().parse_args(argv)
    try:
        faults = Faults(hang=args.p_hang, drop=args.p_drop, rate_limit=args.p_429,
                        server_error=args.p_5xx, malformed=args.p_malformed,
                        latency_s=args.latency, hang_s=args.hang_seconds,
                        retry_after_ms=args.retry_after_ms)
        server = serve(args.host, args.port, seed=args.seed, faults=faults)
    except (ValueError, OSError) as exc:
        print(f"econsim serve: {exc}", file=sys.stderr)
        return 2
    print(f"econsim serve: listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
