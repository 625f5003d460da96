"""``econsim serve``: the surrogate behind OpenAI- and Anthropic-compatible HTTP endpoints.

Endpoints (loopback only): ``GET /v1/models``, ``POST /v1/chat/completions`` (OpenAI) and
``POST /v1/messages`` (Anthropic Messages, tool use for structured output), plus ``GET /stats``
(request and fault counters). Point any OpenAI client at ``http://127.0.0.1:<port>/v1`` with any
API key, e.g. ``econsim`` backend ``openai-compatible/surrogate@http://127.0.0.1:8765/v1``.

Fault injection. ``p_<fault>`` is a per-request probability: every request draws one uniform
number from a generator seeded by ``fault_seed`` and fails with fault ``f`` when it falls in
``f``'s slice of [0, 1) (slices in the order hang, drop, 429, 5xx, malformed; the probabilities
must sum to at most 1, so each fault's rate is exactly its option). Draws do not depend on call
ids, and a second run against the same server gets fresh draws from the same distribution; the
``k``-th request the server receives always gets the ``k``-th draw. Separately,
``fail_first = N`` fails the first ``N`` attempts of every request with ``fail_first_fault``:
the attempt number is the SDK's retry count (header ``x-stainless-retry-count``, sent by the
official ``openai`` and ``anthropic`` SDKs; 0 when absent), or for ``malformed`` the re-ask
number of the call id (``<id>#reask<n>``), so it holds no per-call state either.
``reject_auth`` answers every request HTTP 401 quoting the credentials it received (like a
misconfigured proxy), to test that econsim never repeats a key. 429 and 5xx replies carry
``retry-after-ms`` (default 20 ms) like the real APIs.

Structured-output forms (``--reject-format``): the server can refuse chosen forms of structured
output the way real servers do, to exercise the negotiation of :mod:`econsim.llm.structured`:
``json_schema`` → HTTP 500 with llama.cpp's validation message, ``json_object`` → HTTP 400,
``ollama_format`` (a top-level ``format``) → HTTP 400 "Unrecognized request argument".
"""

from __future__ import annotations

import argparse
import json
import random
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
#: Rejections of structured-output forms: (status, message), worded like real servers.
FORMAT_REJECTIONS: dict[str, tuple[int, str]] = {
    "json_schema": (500, "1 validation error: response_format.type: Input should be 'text' or "
                         "'json_object'"),
    "json_object": (400, "response_format of type 'json_object' is not supported"),
    "ollama_format": (400, "Unrecognized request argument supplied: format"),
}


@dataclass
class Faults:
    """Per-request fault probabilities, the "first N attempts" option, and timings."""

    hang: float = 0.0
    drop: float = 0.0
    rate_limit: float = 0.0
    server_error: float = 0.0
    malformed: float = 0.0
    latency_s: float = 0.0
    hang_s: float = 3600.0
    retry_after_ms: int = 20
    fault_seed: int = 0
    fail_first: int = 0
    fail_first_fault: str = "429"
    reject_auth: bool = False

    def __post_init__(self) -> None:
        probs = self.probabilities()
        for name, p in zip(("hang", "drop", "rate_limit", "server_error", "malformed"), probs,
                           strict=True):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"fault probability {name} must be in [0, 1]; got {p!r}")
        if sum(probs) > 1.0 + 1e-12:
            raise ValueError(f"fault probabilities must sum to at most 1 (each request fails "
                             f"with at most one fault); got {sum(probs):g}")
        if self.latency_s < 0 or self.hang_s < 0:
            raise ValueError("latency_s and hang_s must be >= 0")
        if isinstance(self.fail_first, bool) or not isinstance(self.fail_first, int) \
                or self.fail_first < 0:
            raise ValueError(f"fail_first must be an integer >= 0; got {self.fail_first!r}")
        if self.fail_first_fault not in FAULTS:
            raise ValueError(f"unknown fail_first_fault {self.fail_first_fault!r}; valid: "
                             f"{', '.join(FAULTS)}")

    def probabilities(self) -> tuple[float, ...]:
        """Probabilities in the order of :data:`FAULTS`."""
        return (self.hang, self.drop, self.rate_limit, self.server_error, self.malformed)

    def pick(self, u: float) -> str | None:
        """The fault of a request whose uniform draw is ``u`` (or None)."""
        edge = 0.0
        for fault, p in zip(FAULTS, self.probabilities(), strict=True):
            edge += p
            if u < edge:
                return fault
        return None


class SurrogateServer(ThreadingHTTPServer):
    """Threaded HTTP server answering with a :class:`Surrogate`."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, host: str, port: int, seed: int, faults: Faults,
                 reject_formats: tuple[str, ...] = ()) -> None:
        unknown = sorted(set(reject_formats) - set(FORMAT_REJECTIONS))
        if unknown:
            raise ValueError(f"unknown structured-output form(s) to reject {unknown}; valid: "
                             f"{', '.join(FORMAT_REJECTIONS)}")
        if host not in LOOPBACK:
            raise ValueError(f"econsim serve listens on loopback only; host must be one of "
                             f"{', '.join(LOOPBACK)}; got {host!r}")
        super().__init__((host, port), _Handler)
        self.surrogate = Surrogate(seed)
        self.faults = faults
        self.reject_formats = tuple(reject_formats)
        self.stats: Counter[str] = Counter()
        self.rng = random.Random(faults.fault_seed)
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"

    def next_fault(self, attempt: int) -> str | None:
        """Count a request and choose its fault: the first-N rule, else one seeded draw.

        ``attempt`` is the request's attempt number (retry count or re-ask number)."""
        with self.lock:
            self.stats["requests"] += 1
            u = self.rng.random()  # drawn for every request, so the k-th request gets draw k
            if self.faults.fail_first and attempt < self.faults.fail_first:
                fault: str | None = self.faults.fail_first_fault
            else:
                fault = self.faults.pick(u)
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
        if srv.faults.reject_auth:
            self._reject_auth()
            return
        fault = srv.next_fault(self._attempt(call_id))
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

    def _attempt(self, call_id: str) -> int:
        """Attempt number for ``fail_first``: the re-ask number for malformed replies, else the
        SDK's retry count."""
        if self.server.faults.fail_first_fault == "malformed":
            _, sep, n = call_id.rpartition("#reask")
            return int(n) if sep and n.isdigit() else 0
        retry = self.headers.get("x-stainless-retry-count") or "0"
        return int(retry) if retry.isdigit() else 0

    def _reject_auth(self) -> None:
        with self.server.lock:
            self.server.stats["requests"] += 1
            self.server.stats["401"] += 1
        got = self.headers.get("Authorization") or self.headers.get("x-api-key") or "(none)"
        self._send(401, {"type": "error", "error": {
            "type": "authentication_error", "code": "invalid_api_key",
            "message": f"Incorrect API key provided: {got}"}})

    def _answer(self, messages: list[dict[str, Any]], kind: str | None, call_id: str,
                malformed: bool) -> tuple[dict | None, str, int]:
        text = prompt_text(messages)
        if malformed:
            return None, MALFORMED_TEXT, len(text) // 4
        reply = self.server.surrogate.decide(messages, call_id, kind or infer_kind(text))
        return reply, json.dumps(reply), len(text) // 4

    def _openai(self, body: dict[str, Any], call_id: str, malformed: bool) -> None:
        fmt = body.get("response_format") or {}
        form = "ollama_format" if "format" in body else fmt.get("type")
        if form in self.server.reject_formats:
            status, message = FORMAT_REJECTIONS[form]
            with self.server.lock:
                self.server.stats[f"rejected_{form}"] += 1
            self._send(status, {"error": {"message": message, "type": "invalid_request_error"}})
            return
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
          faults: Faults | None = None, reject_formats: tuple[str, ...] = ()) -> SurrogateServer:
    """Create (not start) a server; call ``.serve_forever()`` or ``.start()`` (thread).

    ``reject_formats`` names structured-output forms to refuse (see :data:`FORMAT_REJECTIONS`).
    """
    return SurrogateServer(host, port, seed, faults or Faults(), tuple(reject_formats))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="econsim serve",
        description="Serve the offline surrogate over OpenAI- and Anthropic-compatible HTTP "
                    "endpoints on loopback, with optional latency and injected faults.")
    p.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8765, help="port 0-65535 (0 = any free port)")
    p.add_argument("--seed", type=int, default=0, help="surrogate seed")
    p.add_argument("--latency", type=float, default=0.0, help="added latency per request, s")
    p.add_argument("--p-429", type=float, default=0.0,
                   help="probability that a request is answered HTTP 429")
    p.add_argument("--p-5xx", type=float, default=0.0,
                   help="probability that a request is answered HTTP 500")
    p.add_argument("--p-malformed", type=float, default=0.0,
                   help="probability that a request is answered 200 with unparseable text")
    p.add_argument("--p-drop", type=float, default=0.0,
                   help="probability that a request's connection is closed without a reply")
    p.add_argument("--p-hang", type=float, default=0.0,
                   help="probability that a request is never answered")
    p.add_argument("--fault-seed", type=int, default=0,
                   help="seed of the generator the --p-* faults are drawn from (default 0)")
    p.add_argument("--fail-first", type=int, default=0, metavar="N",
                   help="fail the first N attempts of every request (SDK retries; re-asks for "
                        "malformed) with --fail-first-fault")
    p.add_argument("--fail-first-fault", default="429", choices=FAULTS,
                   help="fault used by --fail-first (default 429)")
    p.add_argument("--reject-auth", action="store_true",
                   help="answer every request 401, quoting the credentials received (tests "
                        "that clients never repeat a key)")
    p.add_argument("--hang-seconds", type=float, default=3600.0, help="how long a hang lasts")
    p.add_argument("--retry-after-ms", type=int, default=20,
                   help="retry-after-ms header on 429/5xx")
    p.add_argument("--reject-format", action="append", default=[], metavar="FORM",
                   help="refuse requests asking for structured output in FORM, like real servers "
                        f"do ({', '.join(FORMAT_REJECTIONS)}); repeatable")
    return p


def _port(text: str) -> int:
    """A TCP port number for argparse: an integer in 0-65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expects a port number in 0-65535; got {text!r}")
    return port


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``econsim serve`` and ``python -m econsim.llm.serve``."""
    args = build_parser().parse_args(argv)
    try:
        faults = Faults(hang=args.p_hang, drop=args.p_drop, rate_limit=args.p_429,
                        server_error=args.p_5xx, malformed=args.p_malformed,
                        latency_s=args.latency, hang_s=args.hang_seconds,
                        retry_after_ms=args.retry_after_ms, fault_seed=args.fault_seed,
                        fail_first=args.fail_first, fail_first_fault=args.fail_first_fault,
                        reject_auth=args.reject_auth)
        server = serve(args.host, args.port, seed=args.seed, faults=faults,
                       reject_formats=tuple(args.reject_format))
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
