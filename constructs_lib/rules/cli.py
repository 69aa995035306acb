"""``python -m constructs_lib COMMAND``: tools for a project that uses the constructs.

Each subcommand is a function that adds its parser to the subparsers and sets ``run`` (a function of
the parsed arguments returning the exit code); add a new one to ``COMMANDS``.

Exit codes: 0 success, 1 the checks found errors (or warnings, with ``--strict``), 2 the command line or the
input could not be used.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO, TypeAlias

from . import datasets, validation, watch
from . import hyperparameters as hp
from .catalogue import ids as model_ids
from .enums import CustomizationType

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
PROGRESS_MIN_BYTES = 16 * 1024 * 1024
"""Files at least this large get a progress bar when stderr is a terminal (``--progress`` forces it)."""
CUSTOMIZATION_TYPES = tuple(t.value for t in CustomizationType if t is not CustomizationType.IMPORTED)

if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


# ---- validate-data ------------------------------------------------------------------------------


def add_validate_data(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "validate-data",
        help="check a local JSONL dataset the way the construct does at synth",
        description=(
            "Check a local JSONL dataset before a job is deployed: every line one JSON object, the record "
            "shape for the customization type and model, documented record counts and file sizes, and "
            "estimated token lengths. Errors make the exit code 1; warnings are advisory. Each finding ends "
            "with the short name of its rule's source, explained in the README's dataset table."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the .jsonl file to check")
    parser.add_argument(
        "--model",
        metavar="MODEL_ID",
        help="base model id, e.g. amazon.nova-micro-v1:0:128k (without it, only model-independent checks run)",
    )
    parser.add_argument(
        "--type",
        dest="customization_type",
        metavar="TYPE",
        choices=CUSTOMIZATION_TYPES,
        default="FINE_TUNING",
        help=f"customization type: {', '.join(CUSTOMIZATION_TYPES)} (default FINE_TUNING)",
    )
    parser.add_argument(
        "--teacher",
        metavar="MODEL_ID",
        help="the teacher of a DISTILLATION job (Anthropic and Meta models take single-turn prompts only)",
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="the file is a validation data set (its limits differ from training data)",
    )
    parser.add_argument(
        "--hyperparameter",
        "-p",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="also check a hyperparameter against the model family's documented range (repeatable)",
    )
    parser.add_argument(
        "--max-findings",
        type=int,
        default=datasets.DEFAULT_MAX_FINDINGS,
        metavar="N",
        help=f"show at most N errors and N warnings, then count the rest (default {datasets.DEFAULT_MAX_FINDINGS})",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too: exit 1 and a FAILED summary")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_const", const=True, help="always show progress")
    progress.add_argument("--no-progress", dest="progress", action="store_const", const=False, help="never show it")
    parser.set_defaults(run=run_validate_data, progress=None)


def _hyperparameters(pairs: Sequence[str]) -> dict[str, hp.HyperParameterValue]:
    values: dict[str, hp.HyperParameterValue] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--hyperparameter {pair!r}: write NAME=VALUE, e.g. epochCount=2")
        values[name] = text
    return values


def run_validate_data(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.model is not None:
            validation.check_base_model(args.model, "--model")
        hyper = _hyperparameters(args.hyperparameter)
        if os.path.isdir(args.file):
            raise OSError(f"{args.file} is a folder; give the .jsonl file")
        size = os.path.getsize(args.file)
    except (OSError, ValueError, validation.ValidationError) as error:
        print(f"validate-data: {error}", file=err)
        return EXIT_USAGE
    show_progress = args.progress if args.progress is not None else size >= PROGRESS_MIN_BYTES and err.isatty()
    role = datasets.DatasetRole.VALIDATION if args.validation else datasets.DatasetRole.TRAINING

    def check(progress: Callable[[int], None] | None) -> datasets.Report:
        return datasets.check_file(
            args.file,
            customization_type=args.customization_type,
            model_id=args.model,
            role=role,
            max_findings=max(args.max_findings, 1),
            progress=progress,
            teacher_model_id=args.teacher,
        )

    try:
        report = _with_progress(check, args.file, size, err) if show_progress else check(None)
    except OSError as error:
        print(f"validate-data: {error}", file=err)
        return EXIT_USAGE

    unknown = model_ids.unknown_model_advisory(args.model, "--model") if args.model else None
    wrong_kind = hp.type_errors(args.model, hyper)
    typed = {name: value for name, value in hyper.items() if name not in wrong_kind}
    advisories = [*([unknown] if unknown else []), *hp.advisories(args.model, typed)]
    failed = _print_report(report, advisories, out, strict=args.strict, errors=list(wrong_kind.values()))
    return EXIT_FINDINGS if failed else EXIT_OK


def _with_progress(
    check: Callable[[Callable[[int], None] | None], datasets.Report], file: str, size: int, err: TextIO
) -> datasets.Report:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    console = Console(file=err, force_terminal=True) if not err.isatty() else Console(file=err)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(f"checking {os.path.basename(file)}", total=size)
        return check(lambda done: bar.update(task, completed=done))


def _size(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.1f} KB"


def _print_report(
    report: datasets.Report,
    advisories: Sequence[str],
    out: TextIO,
    *,
    strict: bool = False,
    errors: Sequence[str] = (),
) -> bool:
    """Print the findings and a summary line whose verdict is the exit code's: True when the check failed.
    ``errors``: findings outside the data (a hyperparameter of the wrong kind)."""
    expected = report.expected
    found = report.data_format.short if report.data_format else "no known format"
    print(
        f"{report.file}: {report.records:,} records, {_size(report.size_bytes)}, {found} "
        f"({expected.what} {expected.role.value} data)",
        file=out,
    )
    for line in report.error_lines():
        print(f"error: {line}", file=out)
    for line in errors:
        print(f"error: {line}", file=out)
    for line in report.warning_lines():
        print(f"warning: {line}", file=out)
    for advisory in advisories:
        print(f"warning: {advisory}", file=out)
    if report.longest_record_line is not None:
        limit = f" (the model's limit: {expected.max_record_tokens:,})" if expected.max_record_tokens else ""
        print(
            f"longest record: about {report.longest_record_tokens:,} tokens at line {report.longest_record_line}"
            f"{limit}",
            file=out,
        )
    warnings = report.warning_count + len(advisories)
    error_count = report.error_count + len(errors)
    ok = report.ok and not errors
    failed = not ok or (strict and warnings > 0)
    verdict = "OK" if not failed else "FAILED" if not ok else "FAILED (--strict: warnings fail)"
    print(
        f"{verdict}: {error_count} error{'s' if error_count != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}",
        file=out,
    )
    return failed


# ---- dispatch -----------------------------------------------------------------------------------

COMMANDS: list[Callable[[Subparsers], None]] = [add_validate_data, watch.add_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m constructs_lib",
        description="Tools for Amazon Bedrock model customization jobs built with constructs_lib.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)
