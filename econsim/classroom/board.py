"""One class's board apart from HTTP: its store and codes, the game it plays, its limits, and
what each request does (:mod:`econsim.classroom.server` maps the URLs to these).

A request the board refuses raises :class:`Refused` with its HTTP status and a one-line reason;
``ValueError`` / ``TypeError`` from the store or the game are bad input (``400``).
"""

from __future__ import annotations

import hmac
import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

from econsim.classroom.bodies import Attempt, Progress, Submission
from econsim.classroom.game import Game, GameSetup
from econsim.classroom.limits import Limit, RateLimiter
from econsim.classroom.store import ClassStore, setting_key

#: Most game settings one class's board takes submissions and tries for (each new setting costs
#: an optimum on the lecturer's page; the console caches 8).
MAX_SETTINGS = 6


@dataclass(frozen=True)
class BoardLimits:
    """What one client may ask of the board.

    ``per_client``: every request from one address (a class behind one NAT address included);
    ``per_student``: posts naming one student or page from one address; ``request_timeout``:
    seconds to send a request's headers, and again its body, before the board closes the
    connection (a ``Content-Length`` larger than the body sent is such a request), and the
    longest an idle kept-alive connection stays open. ``max_settings``: distinct game settings
    accepted per class (the lecturer's current one always is). ``workers``: threads for the
    work that blocks (store, replays, the console page).
    """

    per_client: Limit = field(default_factory=lambda: Limit(capacity=300, rate=30))
    per_student: Limit = field(default_factory=lambda: Limit(capacity=20, rate=1))
    request_timeout: float = 10.0
    max_settings: int = MAX_SETTINGS
    workers: int = 8

    def __post_init__(self) -> None:
        if not self.request_timeout > 0:
            raise ValueError(f"request_timeout must be > 0 seconds; got {self.request_timeout!r}")
        if not (isinstance(self.max_settings, int) and self.max_settings >= 1):
            raise ValueError(f"max_settings must be an integer >= 1; got {self.max_settings!r}")
        if not (isinstance(self.workers, int) and 1 <= self.workers <= 64):
            raise ValueError(f"workers must be an integer in [1, 64]; got {self.workers!r}")


class Refused(Exception):
    """A request refused with an HTTP status, a one-line reason and extra reply headers."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


@lru_cache(maxsize=8)
def _game(setup_json: str) -> Game:
    return Game(GameSetup(**json.loads(setup_json)))


def check_attempt(store: ClassStore, class_code: str, attempt: Attempt) -> tuple[int, dict]:
    """Check and log one exercise try (see ``POST /api/attempt``): (HTTP status, JSON body)."""
    from econsim.classroom.exercises import MAX_ATTEMPTS, check

    used, solved = store.attempts_used(class_code, attempt.student, attempt.exercise)
    if solved:
        return 409, {"error": "already solved", "attempts_left": MAX_ATTEMPTS - used}
    if used >= MAX_ATTEMPTS:
        return 429, {"error": f"no tries left ({MAX_ATTEMPTS} per exercise)",
                     "attempts_left": 0}
    game = _game(json.dumps(attempt.setup.to_dict(), sort_keys=True))
    result = check(attempt.exercise, attempt.answer, game, used)
    store.log_attempt(class_code, attempt.student, attempt.exercise, attempt.answer,
                      result.correct)
    return 200, {"correct": result.correct, "message": result.message,
                 "attempts_left": result.attempts_left}


class Board:
    """One class's board: its store and codes, the game it starts with, the limits, the rate
    limiters and the thread pool for the work that blocks."""

    def __init__(self, store: ClassStore, class_code: str, teacher_key: str,
                 default_setup: GameSetup | None = None,
                 limits: BoardLimits | None = None) -> None:
        self.store, self.class_code, self.teacher_key = store, class_code, teacher_key
        self.default_setup = default_setup or GameSetup()
        self.limits = limits or BoardLimits()
        self.per_client = RateLimiter(self.limits.per_client)
        self.per_student = RateLimiter(self.limits.per_student)
        self.pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="board")

    # --- checks -------------------------------------------------------------------------------
    def is_class(self, code: str) -> bool:
        return hmac.compare_digest(code, self.class_code)

    def is_teacher(self, key: str) -> bool:
        return hmac.compare_digest(key, self.teacher_key)

    def take(self, limiter: RateLimiter, key: object, who: str) -> None:
        """One token of ``limiter`` for ``key``, or a ``429`` saying when to come back."""
        wait = limiter.take(key)
        if wait > 0:
            raise Refused(429, f"too many requests from {who}; try again in "
                          f"{math.ceil(wait)} s", {"Retry-After": str(math.ceil(wait))})

    def current_setup(self) -> GameSetup:
        """The lecturer's game: chosen on the console, else the one the board started with."""
        return self.store.session_setup(self.class_code) or self.default_setup

    def check_setting(self, setup: GameSetup) -> None:
        """Refuse a game setting beyond the class's :attr:`BoardLimits.max_settings`."""
        key, current = setting_key(setup), setting_key(self.current_setup())
        if key == current:
            return
        known = self.store.settings(self.class_code) | {current}
        if key not in known and len(known) >= self.limits.max_settings:
            raise Refused(409, f"this class already plays {len(known)} game settings (at "
                          f"most {self.limits.max_settings}); reload the page to get the "
                          "lecturer's game")

    # --- a student's page (HTTP status, JSON body) --------------------------------------------
    def submit(self, body: Submission) -> tuple[int, dict]:
        self.check_setting(body.setup)
        return 201, {"id": self.store.submit(body.payload(), self.class_code)}

    def attempt(self, body: Attempt) -> tuple[int, dict]:
        self.check_setting(body.setup)
        return check_attempt(self.store, self.class_code, body)

    def progress(self, body: Progress) -> tuple[int, dict]:
        self.store.see_player(self.class_code, body.player, body.student, body.rounds)
        return 200, {"ok": True}

    # --- the lecturer's pages and forms -------------------------------------------------------
    def ranking_json(self) -> str:
        return self.store.ranking(self.class_code).drop(columns=["rates"]).to_json(
            orient="records")

    def console(self) -> str:
        from econsim.classroom.console import teacher_page

        return teacher_page(self.store, self.class_code, self.teacher_key, self.current_setup())

    def export_csv(self) -> str:
        return self.store.export_csv(self.class_code)

    def exercise_csv(self) -> str:
        return self.store.exercise_csv(self.class_code)

    def teacher_action(self, action: str, form: dict[str, list[str]]) -> None:
        """A console form: ``reset`` the class, ``delete`` one entry, or change the ``setup``."""
        from econsim.classroom.console import setup_from_form

        if action == "reset":
            self.store.reset(self.class_code)
        elif action == "delete":
            self.store.delete(self.class_code, int(form.get("id", ["-1"])[0]))
        else:
            self.store.set_session_setup(self.class_code,
                                         setup_from_form(self.current_setup(), form))
