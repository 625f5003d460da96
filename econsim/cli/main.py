"""The ``econsim`` command line: ``econsim --version``, ``econsim baselines``, ``econsim serve``…

Subcommands are registered in :data:`COMMANDS` (name → module path); each module provides
``add_arguments(parser)`` and ``run(args) -> int``. Modules load lazily so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from econsim import __version__
from econsim.llm.redact import redact
from econsim.llm.types import LLMError
from econsim.renamed import RenamedWarning

#: Subcommand name → (module implementing it, one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    "baselines": ("econsim.cli.baselines",
                  "print Saez, US federal and Stackelberg schedules for a population"),
    "run": ("econsim.cli.run",
            "run one simulation (flags or --config YAML); --resume continues a run"),
    "config": ("econsim.cli.config",
               "check a configuration (flags or --config YAML) and print it by section"),
    "estimate": ("econsim.cli.estimate",
                 "calls, tokens, USD and hours of a run or sweep before it runs; --check RUN"),
    "sweep": ("econsim.cli.sweep",
              "run a grid of configurations x seeds on Dask (local cluster or --scheduler)"),
    "classroom": ("econsim.cli.classroom",
                  "serve the classroom app (Voilà) and the class board on 127.0.0.1"),
    "serve": ("econsim.llm.serve",
              "serve the offline surrogate over OpenAI/Anthropic-compatible HTTP on 127.0.0.1"),
}


class _OneLineParser(argparse.ArgumentParser):
    """A subcommand parser whose errors are one line (the full usage of ``run`` is ~60 lines)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="econsim",
        description="LLM Economist compendium: economics, baselines, simulations and tools.")
    parser.add_argument("--version", action="version", version=f"econsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _os_error_line(err: OSError) -> str:
    """A failed read or write in one line: the message a command prepared, else the file and
    the system's reason."""
    if err.filename is None and not err.strerror:
        return " ".join(str(err).split())
    from econsim.simulation.run_folder import describe_os_error

    where = f"{err.filename}: " if err.filename is not None else ""
    return f"{where}{describe_os_error(err)}"


def _renamed_line(command: str, show: Callable[..., None]) -> Callable[..., None]:
    """``warnings.showwarning`` that prints a :class:`RenamedWarning` as one line."""

    def showwarning(message: Warning | str, category: type[Warning], *args: Any,
                    **kwargs: Any) -> None:
        if issubclass(category, RenamedWarning):
            print(f"econsim {command}: warning: {message}", file=sys.stderr)
        else:
            show(message, category, *args, **kwargs)

    return showwarning


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv or argv[0].startswith("-"):
        parser.parse_args(argv)  # handles --version / --help
        parser.print_help()
        return 0
    name = argv[0]
    if name not in COMMANDS:
        parser.error(f"unknown command {name!r}; valid: {', '.join(COMMANDS)}")
    module = importlib.import_module(COMMANDS[name][0])
    if hasattr(module, "add_arguments"):
        cmd_parser = _OneLineParser(prog=f"econsim {name}", description=COMMANDS[name][1])
        module.add_arguments(cmd_parser)
        args = cmd_parser.parse_args(argv[1:])
        try:
            with warnings.catch_warnings():  # an old name: one line saying the new one
                warnings.simplefilter("default", RenamedWarning)
                warnings.showwarning = _renamed_line(name, warnings.showwarning)
                return int(module.run(args) or 0)
        except ValueError as err:  # bad input: a clear message, no traceback
            cmd_parser.error(redact(str(err)))
        except LLMError as err:  # e.g. a replay miss or an unreachable server
            print(redact(f"econsim {name}: {type(err).__name__}: {err}"), file=sys.stderr)
            return 1
        except OSError as err:  # a file that cannot be read or written: one line, no traceback
            print(redact(f"econsim {name}: {_os_error_line(err)}"), file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # Ctrl-C: the conventional exit status, no traceback
            print(f"econsim {name}: interrupted", file=sys.stderr)
            return 130
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
