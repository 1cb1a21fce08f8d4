"""Command line: ``python -m grading_tests SUBMISSION [--json] [--seed N]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .report import format_table
from .runner import grade_submission


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m grading_tests",
        description="Grade a chapter 06 submission against the reference implementation.",
    )
    parser.add_argument("submission", type=Path, help="a .py file, a .ipynb notebook, or a folder of notebooks")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random inputs (printed on every run)")
    parser.add_argument("--only", default=None, help="comma-separated function names to grade")
    args = parser.parse_args(argv)
    if not args.submission.exists():
        parser.error(f"{args.submission}: no such file or folder")
    names = args.only.split(",") if args.only else None
    try:
        report = grade_submission(args.submission, seed=args.seed, names=names)
    except ValueError as exc:
        parser.error(str(exc))
    if args.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(format_table(report, args.submission) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
