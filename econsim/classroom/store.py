"""Class mode: every finished game stored in one SQLite file, ranked for the teacher.

The database runs in WAL mode (readers never block the writer) with a busy timeout, and every
submission is one short ``INSERT`` transaction on its own connection, so many students
submitting at the same moment are serialised by SQLite instead of being lost. Submissions are
ranked within a *setting* (brackets, workers, utility, welfare function): welfare values of
different settings are not comparable.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from econsim.classroom.game import GameSetup, replay_welfare

#: Longest student name kept (longer names are refused, not truncated).
MAX_NAME = 80
#: Seconds a writer waits for the lock before SQLite reports "database is locked".
BUSY_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submitted REAL NOT NULL,
    class_code TEXT NOT NULL,
    student TEXT NOT NULL,
    setting TEXT NOT NULL,
    setup TEXT NOT NULL,
    rates TEXT NOT NULL,
    welfare TEXT NOT NULL,
    final_welfare REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS by_class ON submissions (class_code, setting);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submitted REAL NOT NULL,
    class_code TEXT NOT NULL,
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    answer REAL NOT NULL,
    correct INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_student ON attempts (class_code, student, exercise);
CREATE TABLE IF NOT EXISTS sessions (
    class_code TEXT PRIMARY KEY,
    setup TEXT NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS players (
    class_code TEXT NOT NULL,
    player TEXT NOT NULL,
    student TEXT NOT NULL,
    rounds INTEGER NOT NULL,
    last_seen REAL NOT NULL,
    PRIMARY KEY (class_code, player)
);
"""

EXPORT_COLUMNS = ["rank", "student", "final_welfare", "n_rounds", "final_rates", "setting",
                  "submitted", "id"]


def setting_key(setup: GameSetup) -> str:
    """The comparable part of a setup: brackets, workers, utility, welfare, population."""
    return (f"{setup.brackets} brackets, {setup.worker} workers, {setup.utility} utility, "
            f"{setup.objective}, N={setup.n_agents} seed {setup.seed}")


def check_name(name: object, what: str = "student", *, allow_empty: bool = False) -> str:
    """A name as typed on a page: a string of at most :data:`MAX_NAME` characters without
    control characters (CR, LF, NUL… would forge lines in logs and exports)."""
    if not isinstance(name, str):
        raise ValueError(f"{what} must be a string; got {type(name).__name__}")
    text = name.strip()
    if (not text and not allow_empty) or len(text) > MAX_NAME:
        raise ValueError(f"{what} must be a non-empty name of at most {MAX_NAME} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        raise ValueError(f"{what} must not contain control characters (line breaks, NUL, …)")
    return text


#: First characters that make a spreadsheet read a cell as a formula (or a DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula (it starts with
    ``=``, ``+``, ``-``, ``@``, a tab or CR) prefixed with ``'``, so an exported name such as
    ``=HYPERLINK(...)`` stays text (OWASP's advice on CSV injection)."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str)
                                    and v.startswith(FORMULA_START) else v)
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text, formula cells escaped (:func:`csv_safe`)."""
    buffer = io.StringIO()
    csv_safe(frame).to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


def validate_submission(payload: dict) -> tuple[str, GameSetup, list[list[float]], list[float]]:
    """Check a submission (as :meth:`econsim.classroom.game.Game.submission` builds it) and
    recompute its welfare from the rates (:func:`~econsim.classroom.game.replay_welfare`): a
    ``welfare`` the page sends is ignored, so a forged number cannot climb the board."""
    if not isinstance(payload, dict):
        raise ValueError("submission must be a JSON object with student, setup, rates")
    missing = {"student", "setup", "rates"} - set(payload)
    if missing:
        raise ValueError(f"submission lacks {sorted(missing)}; needs student, setup, rates")
    student = check_name(payload["student"])
    if not isinstance(payload["setup"], dict):
        raise ValueError("setup must be a JSON object of game settings")
    setup = GameSetup(**payload["setup"])
    rates = np.asarray(payload["rates"], dtype=float)
    if rates.ndim != 2 or rates.shape[1] != setup.brackets:
        raise ValueError(f"rates must be one list of {setup.brackets} rates per round; got "
                         f"shape {rates.shape}")
    if not 1 <= rates.shape[0] <= setup.n_rounds:
        raise ValueError(f"rounds must be between 1 and {setup.n_rounds}; got {rates.shape[0]}")
    if not (np.isfinite(rates).all() and (rates >= 0).all() and (rates <= 1).all()):
        raise ValueError("rates must be fractions in [0, 1]")
    return student, setup, rates.tolist(), replay_welfare(setup, rates.tolist())


class ClassStore:
    """The class's submissions in SQLite (``path`` is created with its folder if missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            con.execute("PRAGMA synchronous=NORMAL")
            yield con
        finally:
            con.close()

    def submit(self, payload: dict, class_code: str = "") -> int:
        """Store one finished game; returns its id. Raises ``ValueError`` on a bad payload."""
        student, setup, rates, welfare = validate_submission(payload)
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            cur = con.execute(
                "INSERT INTO submissions (submitted, class_code, student, setting, setup, rates,"
                " welfare, final_welfare) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), class_code, student, setting_key(setup),
                 json.dumps(setup.to_dict()), json.dumps(rates), json.dumps(welfare),
                 float(welfare[-1])))
            con.execute("COMMIT")
            return int(cur.lastrowid)

    def submissions(self, class_code: str | None = None) -> pd.DataFrame:
        """Every stored game (of one class code if given), oldest first."""
        query = "SELECT * FROM submissions"
        args: tuple = ()
        if class_code is not None:
            query, args = query + " WHERE class_code = ?", (class_code,)
        with self._connect() as con:
            df = pd.read_sql_query(query + " ORDER BY id", con, params=args)
        for col in ("setup", "rates", "welfare"):
            df[col] = df[col].map(json.loads)
        return df

    def ranking(self, class_code: str | None = None) -> pd.DataFrame:
        """Submissions ranked by the welfare of their last round within each setting (1 =
        best; ties go to the earlier submission)."""
        df = self.submissions(class_code)
        if df.empty:
            return pd.DataFrame(columns=EXPORT_COLUMNS)
        df = df.sort_values(["setting", "final_welfare", "id"], ascending=[True, False, True],
                            kind="stable")
        df["rank"] = df.groupby("setting").cumcount() + 1
        df["n_rounds"] = df.rates.map(len)
        df["final_rates"] = df.rates.map(lambda r: " / ".join(f"{100 * x:.0f}" for x in r[-1]))
        return df[EXPORT_COLUMNS + ["rates"]].reset_index(drop=True)

    def attempts_used(self, class_code: str, student: str, exercise: str) -> tuple[int, bool]:
        """Tries a student has made on an exercise, and whether one was right."""
        with self._connect() as con:
            n, solved = con.execute(
                "SELECT COUNT(*), COALESCE(MAX(correct), 0) FROM attempts WHERE class_code = ?"
                " AND student = ? AND exercise = ?", (class_code, student, exercise)).fetchone()
        return int(n), bool(solved)

    def log_attempt(self, class_code: str, student: str, exercise: str, answer: float,
                    correct: bool) -> int:
        """Record one try at an exercise; returns its id."""
        student = check_name(student)
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            cur = con.execute(
                "INSERT INTO attempts (submitted, class_code, student, exercise, answer, "
                "correct) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), class_code, student, exercise, float(answer), int(correct)))
            con.execute("COMMIT")
            return int(cur.lastrowid)

    def exercise_results(self, class_code: str | None = None) -> pd.DataFrame:
        """Per student and exercise: tries, solved (0/1) and the last answer given."""
        query = ("SELECT student, exercise, COUNT(*) AS tries, MAX(correct) AS solved, "
                 "(SELECT answer FROM attempts b WHERE b.class_code = a.class_code AND "
                 "b.student = a.student AND b.exercise = a.exercise ORDER BY b.id DESC LIMIT 1)"
                 " AS last_answer FROM attempts a")
        args: tuple = ()
        if class_code is not None:
            query, args = query + " WHERE class_code = ?", (class_code,)
        with self._connect() as con:
            return pd.read_sql_query(query + " GROUP BY class_code, student, exercise "
                                     "ORDER BY student, exercise", con, params=args)

    def reset(self, class_code: str) -> int:
        """Delete every submission, exercise try and player of one class (its session's game
        settings stay); returns the rows deleted."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            n = sum(con.execute(f"DELETE FROM {table} WHERE class_code = ?", (class_code,)
                                ).rowcount for table in ("submissions", "attempts", "players"))
            con.execute("COMMIT")
        return int(n)

    def session_setup(self, class_code: str) -> GameSetup | None:
        """The game the lecturer chose for this class (``None``: not chosen yet)."""
        with self._connect() as con:
            row = con.execute("SELECT setup FROM sessions WHERE class_code = ?",
                              (class_code,)).fetchone()
        return None if row is None else GameSetup(**json.loads(row[0]))

    def set_session_setup(self, class_code: str, setup: GameSetup) -> None:
        """Choose the game (scenario, welfare function, …) for pages opened from now on."""
        with self._connect() as con:
            con.execute("INSERT INTO sessions (class_code, setup, updated) VALUES (?, ?, ?) "
                        "ON CONFLICT(class_code) DO UPDATE SET setup = excluded.setup, "
                        "updated = excluded.updated",
                        (class_code, json.dumps(setup.to_dict()), time.time()))

    def see_player(self, class_code: str, player: str, student: str, rounds: int) -> None:
        """Record that a student's page is alive (``player``: the page's id)."""
        player = check_name(player, "player")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not 0 <= rounds <= 50:
            raise ValueError(f"rounds must be an integer in [0, 50]; got {rounds!r}")
        name = check_name(student, allow_empty=True)  # a page before its name is entered
        with self._connect() as con:
            con.execute("INSERT INTO players (class_code, player, student, rounds, last_seen) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(class_code, player) DO UPDATE SET "
                        "student = excluded.student, rounds = excluded.rounds, "
                        "last_seen = excluded.last_seen",
                        (class_code, player, name, rounds, time.time()))

    def players(self, class_code: str) -> pd.DataFrame:
        """The pages seen in this class, most recent first (player, student, rounds,
        last_seen)."""
        with self._connect() as con:
            return pd.read_sql_query(
                "SELECT player, student, rounds, last_seen FROM players WHERE class_code = ? "
                "ORDER BY last_seen DESC", con, params=(class_code,))

    def delete(self, class_code: str, submission_id: int) -> bool:
        """Delete one submission of a class (e.g. a joke name); ``True`` if it existed."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            n = con.execute("DELETE FROM submissions WHERE class_code = ? AND id = ?",
                            (class_code, int(submission_id))).rowcount
            con.execute("COMMIT")
        return n > 0

    def export_csv(self, class_code: str | None = None) -> str:
        """The ranking as CSV text (rates in percent, ``/``-separated; formula cells escaped)."""
        return csv_text(self.ranking(class_code)[EXPORT_COLUMNS])

    def exercise_csv(self, class_code: str | None = None) -> str:
        """The exercise results as CSV text (formula cells escaped)."""
        return csv_text(self.exercise_results(class_code))

    def settings(self, class_code: str) -> set[str]:
        """The distinct game settings (:func:`setting_key`) submitted in a class."""
        with self._connect() as con:
            return {r[0] for r in con.execute(
                "SELECT DISTINCT setting FROM submissions WHERE class_code = ?", (class_code,))}
