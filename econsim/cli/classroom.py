"""``econsim classroom``: serve the classroom app (a notebook through Voilà) and the class board.

Example (a classroom network; students open the printed app URL)::

    econsim classroom --host 0.0.0.0 --port 8866 --class-code blue-fox --brackets 7 \\
        --worker surrogate_vec --objective utilitarian

Two servers start: Voilà on ``--port`` renders the notebook as a web app (no JupyterLab, no
code cells shown; each student gets an own kernel), and the class board on ``--board-port``
(default ``--port + 1``) receives submissions and serves the lecturer's console. The class code
is generated unless given (``--class-code ''`` turns it off, on loopback only); Voilà asks for it
as its token (``?token=<code>``). The app notebook ships in the package, so this works from any
folder.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from econsim.classroom.game import SETUP_ENV, GameSetup
from econsim.classroom.server import CODE_ENV, URL_ENV, BoardServer
from econsim.classroom.store import ClassStore
from econsim.compendium.paths import project_path
from econsim.renamed import renames

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: The app notebook ships inside the package, so ``econsim classroom`` works from any folder.
DEFAULT_NOTEBOOK = str(Path(__file__).resolve().parents[1] / "classroom" / "classroom.ipynb")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (0.0.0.0 for a classroom network)")
    parser.add_argument("--port", type=int, default=8866, help="port of the Voilà app")
    parser.add_argument("--board-port", type=int, default=None,
                        help="port of the class board (default: --port + 1)")
    parser.add_argument("--class-code", default=None,
                        help="code students need (default: a generated one, printed; '' turns "
                             "it off, on loopback only)")
    parser.add_argument("--teacher-key", default=None,
                        help="key of the teacher's page (default: a random one, printed)")
    parser.add_argument("--db", default="results/classroom/class.sqlite",
                        help="SQLite file of the submissions (kept across sessions)")
    parser.add_argument("--kernel-idle-minutes", type=float, default=20.0,
                        help="shut a student's kernel down after this many idle minutes "
                             "(default 20)")
    parser.add_argument("--notebook", default=DEFAULT_NOTEBOOK,
                        help="notebook to serve (default: the app shipped with econsim)")
    defaults = GameSetup().to_dict()
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=None,
                            help=f"game setting (default {default})")
    for old, new in renames("GameSetup").items():  # old flags work for one release (warned)
        parser.add_argument(f"--{old.replace('_', '-')}", type=type(defaults[new]),
                            default=None, help=argparse.SUPPRESS)


def _setup(args: argparse.Namespace) -> GameSetup:
    """The game of the flags given (old names too: GameSetup renames them, with a warning)."""
    names = [*GameSetup().to_dict(), *renames("GameSetup")]
    return GameSetup(**{k: getattr(args, k) for k in names if getattr(args, k) is not None})


def voila_command(notebook: Path, host: str, port: int, token: str, idle_minutes: float = 20.0
                  ) -> list[str]:
    """The Voilà command line (its own process: one kernel per student).

    A student's kernel (about 270 MB) is shut down when the page closes — Voilà's page sends a
    beacon without an XSRF token, which Voilà refuses (403) unless the check is off; the beacon
    needs the kernel's id (a random UUID), so turning it off exposes little on a class network —
    and a kernel idle for ``idle_minutes`` (a page left open, a laptop asleep) is culled.
    """
    return [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser",
            f"--Voila.ip={host}", f"--token={token}", "--theme=light",
            "--Voila.tornado_settings={'disable_check_xsrf': True}",
            f"--MappingKernelManager.cull_idle_timeout={int(idle_minutes * 60)}",
            "--MappingKernelManager.cull_interval=60"]


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be in [1, 65535]; got {args.port}")
    if args.class_code is None:
        args.class_code = generated_code()
    if args.host not in LOOPBACK and not args.class_code:
        raise ValueError(f"--class-code must not be empty on host {args.host!r} (a "
                         "non-loopback interface): students then need the code")
    setup = _setup(args)
    notebook = project_path(args.notebook)
    if not notebook.is_file():
        raise ValueError(f"--notebook {args.notebook!r} not found")
    if shutil.which("voila") is None and not _has_voila():
        raise ValueError("voila is not installed: pip install 'econsim[classroom]' "
                         "(make setup installs it)")
    key = args.teacher_key or secrets.token_urlsafe(8)
    board_port = args.board_port or args.port + 1
    board = BoardServer(ClassStore(project_path(args.db)), args.class_code, key,
                        args.host, board_port, setup).start()
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    board_url = f"http://127.0.0.1:{board.port}"
    env = {**os.environ, SETUP_ENV: json.dumps(setup.to_dict()), URL_ENV: board_url,
           CODE_ENV: args.class_code}
    token = f"?token={args.class_code}" if args.class_code else ""
    print(f"class code: {args.class_code or '(none)'}")
    print(f"students:  http://{shown}:{args.port}/{token}")
    print(f"teacher:   http://{shown}:{board.port}/teacher?key={key}")
    print(f"CSV:       http://{shown}:{board.port}/export.csv?key={key}")
    print(f"game: {json.dumps(setup.to_dict())}; submissions in {args.db}. Ctrl-C stops.",
          flush=True)
    if not args.kernel_idle_minutes > 0:
        raise ValueError("--kernel-idle-minutes must be > 0; got "
                         f"{args.kernel_idle_minutes}")
    proc = subprocess.Popen(voila_command(notebook, args.host, args.port, args.class_code,
                                          args.kernel_idle_minutes),
                            cwd=notebook.parent, env=env)
    # Voilà shuts its kernels down on SIGTERM: pass a stop (Ctrl-C or SIGTERM) on to it
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: proc.terminate())
    try:
        code = proc.wait()
        return 0 if code in (0, -signal.SIGTERM) else code
    finally:
        board.stop()


def generated_code() -> str:
    """A class code that is easy to read out: two short words and two digits (``oak-sun-42``)."""
    words = ("oak", "sun", "fox", "elm", "sea", "owl", "ash", "bay", "ivy", "jay", "kea", "lynx",
             "moss", "nut", "pine", "reed", "sky", "teal", "vine", "wren", "yew", "zinc")
    return (f"{secrets.choice(words)}-{secrets.choice(words)}-"
            f"{secrets.randbelow(90) + 10}")


def _has_voila() -> bool:
    import importlib.util

    return importlib.util.find_spec("voila") is not None
