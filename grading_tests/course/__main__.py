"""The instructor's cycle on the course's nbgrader folder, as one command.

Run from the course root (the folder holding ``nbgrader_config.py``)::

    python -m grading_tests.course demo          # the whole cycle on the demo class
    python -m grading_tests.course release       # regenerate release/ only
    python -m grading_tests.course submissions   # rebuild the demo submissions in submitted/

``demo`` runs :func:`.cycle.run_demo` (release, collect, autograde, feedback,
export, score table) on the demo class (:mod:`.demo_class`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cycle import generate_release, run_demo
from .demo_class import build_demo_class
from .handins import ASSIGNMENT

__all__ = ["main"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading_tests.course", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="release, collect, autograde, feedback, export, score table")
    demo.add_argument("--seed", type=int, default=None, help="seed of the graders' random inputs (default: a new one per student)")
    demo.add_argument("--timeout", type=int, default=None, help="seconds per notebook cell in the kernel")
    demo.add_argument("--rebuild-submissions", action="store_true", help="rebuild submitted/ from source/ and release/ first")
    sub.add_parser("release", help="nbgrader generate_assignment into release/")
    sub.add_parser("submissions", help="rebuild the demo submissions in submitted/")
    args = parser.parse_args(argv)
    root = Path.cwd()
    if args.command == "demo":
        run_demo(root, seed=args.seed, timeout=args.timeout, rebuild_submissions=args.rebuild_submissions)
    elif args.command == "release":
        print(f"release/{ASSIGNMENT} regenerated in {generate_release(root, scratch_db=True):.1f} s")
    elif args.command == "submissions":
        for student, folder in build_demo_class(root).items():
            print(f"{student}: {folder.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
