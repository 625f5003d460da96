"""``econsim run``: one simulation from flags and/or a YAML config, with a progress bar.

Every key of :class:`~econsim.simulation.SimConfig` is a flag (``n_agents`` → ``--n-agents``);
flags override the YAML file. ``--resume FOLDER`` continues an interrupted run.

Examples::

    econsim run --scenario bounded --n-agents 100 --n-steps 1000 --out results/runs/bounded
    econsim run --config my_run.yaml --backend openai/gpt-4o-mini --store calls.sqlite
    econsim run --resume results/runs/bounded
    econsim run --backend llamacpp/smollm2 --prompt-style compact --pack packs/smollm2
    econsim run --backend replay:packs/smollm2 --prompt-style compact   # no model, no key
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

from econsim.llm.pack import is_pack, pack_store_path, read_manifest, write_pack
from econsim.renamed import GivenTwice, RenamedWarning, renamed_keys, renames
from econsim.simulation import SimConfig, make_simulation, resume_simulation
from econsim.simulation.config import CONFIG_KEYS, ConfigError, ConfigKey, ConfigWarning
from econsim.simulation.engine import CHECKPOINT, CONFIG_FILE
from econsim.simulation.run_folder import MANIFEST

#: Boolean words of a ``--flag``: those YAML 1.1 (PyYAML) reads as booleans in a config file,
#: so a value is accepted in both places or in neither.
BOOL_WORDS = {**dict.fromkeys(("true", "yes", "on"), True),
              **dict.fromkeys(("false", "no", "off"), False)}


def _parse_value(key: ConfigKey, text: str) -> Any:
    """Parse one flag's text by the key's annotation (the same table the config checks use)."""
    kinds = key.kinds
    if "None" in kinds and text.lower() in ("none", "null"):
        return None
    if "dict" in kinds or "tuple" in kinds:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            example = json.dumps(key.default) if key.default is not None else "[0.1, 0.2]"
            raise argparse.ArgumentTypeError(f"expects JSON, e.g. {example}; got {text!r}"
                                             ) from None
    if "bool" in kinds:
        if text.lower() in BOOL_WORDS:  # the words a YAML config file takes, too
            return BOOL_WORDS[text.lower()]
        raise argparse.ArgumentTypeError(f"expects true or false; got {text!r} (yes/no and "
                                         "on/off are read as in YAML)")
    if "int" in kinds:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects an integer; got {text!r}") from None
    if "float" in kinds:
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is not None and math.isfinite(value):
            return value
        if "str" in kinds:
            return text  # e.g. an elasticity preset name
        raise argparse.ArgumentTypeError(f"expects a finite number; got {text!r}")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML file of config keys")
    parser.add_argument("--out", type=Path, help="run folder for records, checkpoints, manifest "
                        "(default results/runs/<scenario>_<worker>_<planner>_seed<seed>)")
    parser.add_argument("--resume", type=Path, metavar="FOLDER",
                        help="continue an interrupted run from its last checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    parser.add_argument("--pack", type=Path, metavar="FOLDER",
                        help="record every call into a replay pack (FOLDER/calls.sqlite + "
                        "pack.json) that `--backend replay:FOLDER` replays without the model")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the cost estimate (econsim estimate) and exit")
    group = parser.add_argument_group("config keys (defaults follow the paper)")
    for key in CONFIG_KEYS.values():
        group.add_argument(f"--{key.name.replace('_', '-')}", dest=key.name, default=None,
                           metavar=key.label, type=lambda s, k=key: _parse_value(k, s),
                           help=f"{key.description} ({key.section}; default: {key.default!r})")
    for old, new in renames("SimConfig").items():  # old flags work for one release (warned)
        group.add_argument(f"--{old.replace('_', '-')}", dest=old, default=None,
                           type=lambda s, k=CONFIG_KEYS[new]: _parse_value(k, s),
                           help=argparse.SUPPRESS)


def _config(args: argparse.Namespace) -> SimConfig:
    """The run's config from --config and flags; a bad flag value names the flag, and a
    configuration that runs but probably not as meant, or an old name, is one ``warning:``
    line."""
    shown = (ConfigWarning, RenamedWarning)
    with warnings.catch_warnings(record=True) as caught:
        for category in shown:
            warnings.simplefilter("always", category)
        config = _read_config(args)
    for message in dict.fromkeys(str(w.message) for w in caught
                                 if issubclass(w.category, shown)):
        print(f"econsim run: warning: {message}", file=sys.stderr)
    return config


def _read_config(args: argparse.Namespace) -> SimConfig:
    values: dict[str, Any] = {}
    if args.config is not None:
        values.update(SimConfig.from_yaml(args.config).to_dict())
    given = list(CONFIG_KEYS) + list(renames("SimConfig"))
    typed = {name: getattr(args, name) for name in given if getattr(args, name) is not None}
    # the flag as typed, by config key (an old flag names the key by its new name)
    flags = {renames("SimConfig").get(name, name): name for name in typed}
    try:
        values.update(renamed_keys("SimConfig", typed))
    except GivenTwice as err:
        new, old = (f"--{n.replace('_', '-')}" for n in (err.key, flags[err.key]))
        raise ConfigError(f"{new} is given twice, also as its old name {old}: give {new} only",
                          err.key) from None
    if args.pack is not None:
        values.update(store=str(pack_store_path(args.pack)), store_mode="record")
    try:
        return SimConfig.from_dict(values)  # validated before anything is written
    except ConfigError as err:
        if err.key in flags:
            raise ConfigError(f"argument --{flags[err.key].replace('_', '-')}: {err}", err.key
                              ) from None
        raise


def run(args: argparse.Namespace) -> int:
    state: dict[str, Any] = {"folder": args.resume}
    try:
        return _run(args, state)
    except OSError as err:  # a full or read-only file system, met while the run writes
        raise RunWriteError(_write_failure(state["folder"], err)) from None


class RunWriteError(OSError):
    """A run that could not write its folder; the message is the one line to show."""


def _write_failure(folder: Path | None, err: OSError) -> str:
    """One line: the file that could not be written, why, what to do and what was kept. A
    status left at ``running`` (the failure came after the run's own error handling) is set to
    ``failed`` when the file system still allows it."""
    from econsim.simulation.run_folder import (
        CHECKPOINT_META,
        WRITE_ERRNOS,
        describe_os_error,
        os_errno,
        os_error_advice,
    )
    from econsim.simulation.status import read_status, write_status

    path = err.filename or folder or "the run folder"
    notes = list(getattr(err, "__notes__", []))
    if folder is not None and _put_back(Path(folder)):
        notes.append(f"the run {folder} held before was put back unchanged")
    if folder is not None and Path(folder).is_dir() and not notes:
        try:
            status = read_status(folder)
        except (OSError, ValueError):
            status = None
        if status is not None and status.get("status") == "running":
            meta = Path(folder) / CHECKPOINT_META
            step = json.loads(meta.read_text()).get("step") if meta.exists() else None
            write_status(Path(folder), status="failed", step=int(status.get("step") or 0),
                         checkpoint_step=step, ledger=status.get("ledger") or {}, error=err)
    kept = "; ".join(dict.fromkeys(notes)) or _resume_hint(folder)
    verb = "cannot write" if os_errno(err) in WRITE_ERRNOS else "cannot read or write"
    return f"{verb} {path}: {describe_os_error(err)}; {os_error_advice(err)}; {kept}"


def _check_checkpoint_format(folder: Path) -> None:
    """Refuse a run checkpointed by a version that wrote pickles (``checkpoint.pkl``)."""
    if (folder / "checkpoint.pkl").exists() and not (folder / CHECKPOINT).exists():
        raise ValueError(f"{folder} was checkpointed by an earlier version (checkpoint.pkl, a "
                         "pickle), which this version does not read: rerun it with --overwrite "
                         "(same seed, same results)")


def _put_back(folder: Path) -> bool:
    """Put back the run an ``--overwrite`` moved aside when the replacement failed before its
    first checkpoint was complete (the engine only does so when the failure came before it
    started writing that checkpoint). True if one was put back."""
    from econsim.simulation.run_folder import ASIDE, FolderLock, RunFolderError, restore_aside

    if not (folder / ASIDE).is_dir() or (folder / CHECKPOINT).exists():
        return False
    try:
        lock = FolderLock(folder).acquire()
    except RunFolderError:
        return False
    try:
        return restore_aside(folder)
    except OSError:
        return False
    finally:
        lock.release()


def _run(args: argparse.Namespace, state: dict[str, Any]) -> int:
    folder = args.resume
    try:
        if args.resume is not None:
            _check_checkpoint_format(args.resume)
            sim = resume_simulation(args.resume, progress=not args.no_progress)
        else:
            config = _config(args)
            if args.dry_run or config.budget_usd is not None:
                from econsim.analysis.estimate import check_budget, estimate

                est = estimate(config)
                if args.dry_run:
                    print(est.text())
                    return 0
                with warnings.catch_warnings():  # one plain line instead of a UserWarning
                    warnings.simplefilter("ignore")
                    warning = check_budget(config, est)  # refuses (a ValueError) or warns
                if warning:
                    print(f"econsim run: warning: {warning}", file=sys.stderr)
            if args.pack is not None and config.backend.startswith("replay:"):
                raise ValueError("--pack records a live backend; --backend is a replay")
            if args.pack is not None and is_pack(args.pack):
                # adding another backend's calls would relabel the pack and break its replay
                earlier = sorted({str(c.get("backend")) for c in
                                  read_manifest(args.pack).get("configs", [])})
                if earlier and config.backend not in earlier:
                    raise ValueError(f"--pack {args.pack} holds a pack of {', '.join(earlier)}; "
                                     f"recording {config.backend} into it would break its "
                                     "replay: choose another folder")
            folder = args.out or Path("results/runs") / (
                f"{config.scenario}_{config.worker}_{config.planner}_seed{config.seed}")
            state["folder"] = folder
            sim = make_simulation(config, folder, progress=not args.no_progress,
                                  overwrite=args.overwrite)
        result = sim.run()
    except KeyboardInterrupt:
        print(f"econsim run: interrupted; {_resume_hint(folder)}", file=sys.stderr)
        return 130
    if result.folder is not None:  # the estimate beside the actuals (econsim estimate --check)
        from econsim.analysis.estimate import write_cost_report

        try:
            write_cost_report(result.folder, sim.config, result.ledger)
        except Exception as err:  # noqa: BLE001 - the run's results are written; say why not
            print(f"econsim run: cost.json not written: {err}", file=sys.stderr)
    if args.pack is not None and args.resume is None:
        write_pack(args.pack, sim.client, [sim.config.to_dict()])
        print(f"replay pack written: {args.pack} (replay with --backend replay:{args.pack})")
    last = result.steps.iloc[-1]
    rates = ", ".join(f"{100 * last[c]:.0f}%" for c in result.steps.columns
                      if c.startswith("rate_"))
    print(f"{result.status}: {len(result.steps)} steps -> {result.folder}")
    print(f"final rates [{rates}]; {sim.config.objective} = {last['objective']:.6g}; "
          f"mean hours {last['mean_labour']:.1f}")
    if result.ledger:
        led = result.ledger
        print(f"LLM calls {led['calls']} (cached {led['cache_hits']}), tokens in/out "
              f"{led['input_tokens']}/{led['output_tokens']}, fallbacks {led['fallbacks']}, "
              f"cost ${led['cost_usd']:.4f}")
        decisions = len(result.calls)
        share = led["fallbacks"] / decisions if decisions else 0.0
        if share > sim.config.max_fallback_share:
            print(f"econsim run: {led['fallbacks']} of {decisions} decisions ({share:.1%}) fell "
                  f"back to the previous action after every re-ask, above max_fallback_share="
                  f"{sim.config.max_fallback_share:g}: the results in {result.folder} mostly "
                  "show the fallback rule, not the model (kept; see calls.parquet)",
                  file=sys.stderr)
            return EXIT_FALLBACKS
    return 0


#: Exit status of a run whose fallback share exceeded ``max_fallback_share``.
EXIT_FALLBACKS = 3


def _resume_hint(folder: Path | None) -> str:
    """Which command continues an interrupted run (none if it stopped before starting)."""
    if folder is None:
        return "nothing was written"
    if (Path(folder) / MANIFEST).exists():
        return f"the run itself finished: its results in {folder} are complete"
    if (Path(folder) / CHECKPOINT).exists():
        return f"resume with: econsim run --resume {folder}"
    config = Path(folder) / CONFIG_FILE
    if not config.is_file() or config.stat().st_size == 0:
        return "nothing was run; run the same command again"
    return (f"it stopped before its first checkpoint; start it again with: econsim run "
            f"--config {config} --out {folder}")
