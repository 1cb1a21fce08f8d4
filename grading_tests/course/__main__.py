"""The instructor's cycle on the course's nbgrader folder, as one command.

Run from the course root (the folder holding ``nbgrader_config.py``)::

    python -m grading_tests.course demo          # the whole cycle on the demo class
    python -m grading_tests.course release       # regenerate release/ only
    python -m grading_tests.course submissions   # rebuild the demo submissions in submitted/
    python -m grading_tests.course autograde 06_reseaux_de_neurones [--workers N] [--scheduler tcp://HOST:PORT]
        [--db-url URL] [--seed N] [--student ID ...] [--force] [--no-execute] [--timeout S]
        [--graders auto|beside|after]
    python -m grading_tests.course report 06_reseaux_de_neurones [--db-url URL] [--out DIR] [--force]
    python -m grading_tests.course export 06_reseaux_de_neurones --format canvas|moodle|moodle-worksheet|csv
        [--roster FILE] [--out FILE] [--allow-unmatched] [--item NAME] [--detail] [--moodle-user email|idnumber|username]
        [--moodle-lang fr|en] [--out-of POINTS] [--bom] [--db-url URL]
    python -m grading_tests.course similarity 06_reseaux_de_neurones [--threshold X] [--out DIR] [--db-url URL]

``demo`` runs :func:`.cycle.run_demo` (release, collect, autograde, feedback,
export, score table) on the demo class (:mod:`.demo_class`). ``autograde``
grades every hand-in of ``submitted/`` on a Dask cluster, with the grades of
``nbgrader autograde`` (:mod:`.classgrade`). ``report`` writes what the class got
wrong as one offline French page, with its CSV and JSON (:mod:`.report`).
``export`` writes the grades,
late penalties included, for Canvas, Moodle or as the course's own table
(:mod:`.export`). ``similarity`` writes the pairs of hand-ins too alike to
be independent, for a human to look at (:mod:`.similarity`). ``report``,
``export`` and ``similarity`` exit with code 2, a message and nothing
written, when they cannot.
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
    demo.add_argument("--rebuild-submissions", action="store_true", help="rebuild submitted/ from source/ and release/ first")
    sub.add_parser("release", help="nbgrader generate_assignment into release/")
    sub.add_parser("submissions", help="rebuild the demo submissions in submitted/")
    grade = sub.add_parser("autograde", help="grade the class's hand-ins on a Dask cluster, as nbgrader autograde would")
    grade.add_argument("assignment", help=f"the assignment, e.g. {ASSIGNMENT}")
    grade.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    grade.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler (tcp://HOST:PORT) instead of local workers")
    grade.add_argument("--db-url", default=None, help="gradebook URL (default: the course's, nbgrader_config.py)")
    grade.add_argument("--seed", type=int, default=None, help="seed of the graders' random inputs (default: a new one per student)")
    grade.add_argument("--student", nargs="+", action="extend", default=None, metavar="ID", help="grade only these students")
    grade.add_argument("--force", action="store_true", help="grade unchanged hand-ins again")
    grade.add_argument("--no-execute", action="store_true", help="do not run the notebooks (same grades; the feedback says so)")
    grade.add_argument("--graders", choices=["auto", "beside", "after"], default="auto",
                       help="a student's graders run beside its kernel, or after it; auto: after when the workers fill the cores")
    grade.add_argument("--timeout", type=float, default=None, help="seconds one student may take in all before the task is stopped (default: the kernel's budget + 300)")
    report = sub.add_parser("report", help="the class report: what the class got wrong (HTML, CSV, JSON)")
    report.add_argument("assignment", help=f"the assignment, e.g. {ASSIGNMENT}")
    report.add_argument("--db-url", default=None, help="gradebook URL (default: the course's, nbgrader_config.py)")
    report.add_argument("--out", default=None, help="folder of rapport_classe.html/.csv/.json (default: the course root)")
    report.add_argument("--force", action="store_true", help="build it even if some students have no detailed results")
    export = sub.add_parser("export", help="the grades for Canvas, Moodle, or as the course's full table")
    export.add_argument("assignment", help=f"the assignment, e.g. {ASSIGNMENT}")
    export.add_argument("--format", required=True, help="canvas, moodle, moodle-worksheet or csv")
    export.add_argument("--roster", default=None, help="the class list exported from the LMS (CSV); the worksheet itself for moodle-worksheet")
    export.add_argument("--out", default=None, help="the file to write (default: exports/<assignment>_<format>.csv)")
    export.add_argument("--allow-unmatched", action="store_true", help="write the students that match, list the others")
    export.add_argument("--item", default=None, help="the LMS's name of the assignment (default: the assignment)")
    export.add_argument("--detail", action="store_true", help="canvas: a column per notebook and per written answer too")
    export.add_argument("--moodle-user", default="username", help="moodle: the user column, email, idnumber or username (default)")
    export.add_argument("--moodle-lang", default="fr", help="moodle: the language of Moodle's column names, fr (default) or en")
    export.add_argument("--out-of", type=float, default=None, help="LMS formats: grades scaled to this maximum")
    export.add_argument("--bom", action="store_true", help="UTF-8 with a byte-order mark, for Excel")
    export.add_argument("--db-url", default=None, help="gradebook URL (default: the course's, nbgrader_config.py)")
    similar = sub.add_parser("similarity", help="answers too alike to be independent, for a human to look at (HTML, CSV)")
    similar.add_argument("assignment", help=f"the assignment, e.g. {ASSIGNMENT}")
    similar.add_argument("--threshold", type=float, default=None, help="pairs at or above this score are shown (default: 0.7)")
    similar.add_argument("--out", default=None, help="folder of similarite.html/.csv (default: the course root)")
    similar.add_argument("--db-url", default=None, help="gradebook URL, for the named mistakes (default: the course's)")
    args = parser.parse_args(argv)
    root = Path.cwd()
    if args.command == "similarity":
        return _similarity(root, args)
    if args.command == "report":
        return _report(root, args)
    if args.command == "export":
        from .export import ExportError, export_grades
        try:
            export_grades(
                root, args.assignment, args.format, roster=args.roster, out=args.out, db_url=args.db_url, item=args.item,
                detail=args.detail, moodle_user=args.moodle_user, moodle_lang=args.moodle_lang, out_of=args.out_of,
                bom=args.bom, allow_unmatched=args.allow_unmatched,
            )
        except ExportError as exc:
            print(f"export : {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "autograde":
        from .classgrade import autograde_class
        from .classgrade.gradebook import ClassgradeError
        try:
            return autograde_class(
                root, args.assignment, workers=args.workers, scheduler=args.scheduler, db_url=args.db_url, seed=args.seed,
                students=args.student, force=args.force, execute=not args.no_execute, timeout=args.timeout,
                graders_after={"auto": None, "beside": False, "after": True}[args.graders],
            )
        except ClassgradeError as exc:
            print(f"autograde : {exc}", file=sys.stderr)
            return 2
    if args.command == "demo":
        run_demo(root, seed=args.seed, rebuild_submissions=args.rebuild_submissions)
    elif args.command == "release":
        print(f"release/{ASSIGNMENT} regenerated in {generate_release(root, scratch_db=True):.1f} s")
    elif args.command == "submissions":
        for student, folder in build_demo_class(root).items():
            print(f"{student}: {folder.relative_to(root)}")
    return 0


def _existing_gradebook(root, db_url):
    """A SQLite gradebook must exist: opening one that does not would create it."""
    from sqlalchemy.engine import make_url

    from .report import ReportError

    if db_url is None:
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config() if (root / "nbgrader_config.py").is_file() else None
        db_url = config.CourseDirectory.db_url if config is not None and "db_url" in config.CourseDirectory else None
    if db_url:
        url = make_url(db_url)
        if url.drivername.startswith("sqlite") and url.database and not (root / url.database).is_file():
            raise ReportError(f"pas de carnet de notes à {url.database} : rien à rapporter.")


def _report(root, args):
    from .classgrade.gradebook import ClassgradeError
    from .classgrade.run import load_course
    from .report import ReportError, build_report

    try:
        _existing_gradebook(root, args.db_url)
        course = load_course(root, args.assignment, args.db_url)
        paths = build_report(course.root, args.assignment, course.db_url, course.course_id, out=args.out, force=args.force)
    except (ClassgradeError, ReportError) as exc:
        print(f"rapport : {exc} Aucun fichier écrit.", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def _similarity(root, args):
    from .similarity import DEFAULT_THRESHOLD, SimilarityError, build_similarity

    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    try:
        paths = build_similarity(root, args.assignment, threshold=threshold, out=args.out, db_url=args.db_url)
    except SimilarityError as exc:
        print(f"similarité : {exc}. Aucun fichier écrit.", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
