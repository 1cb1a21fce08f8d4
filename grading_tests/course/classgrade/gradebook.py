"""The driver's side of the class gradebook: the template the workers grade in, and the writes.

Only the driver writes the class gradebook (the SQLite default never sees two
writers; PostgreSQL goes through nbgrader's own ``db_url``) and the course's
``autograded/`` folder:

- :func:`build_template`: the assignment's definition (notebooks, cells,
  sources, due date) copied from the class gradebook into a throwaway SQLite
  gradebook, the one each worker grades in. A class gradebook without the
  assignment first gets it from ``nbgrader generate_assignment`` run in a
  scratch copy of the course, so ``release/`` is never rewritten.
- :func:`write_result`: one worker's result into the course: the autograded
  files (a sibling folder renamed into place, every relative path checked),
  then the submission's rows, in one transaction, exactly as
  ``nbgrader autograde`` leaves them (with the graders' structured results,
  replaced in the same transaction): a cell that had a manual score still
  needs a manual grade, manual scores and comments are kept, a notebook not
  handed in scores 0.
"""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from ...nbgrader_plugin import results_table, staging
from ..environment import nbgrader
from . import provenance as prov
from .task import _private_folder, _relative

__all__ = ["ClassgradeError", "own_folder", "course_files", "assignment_layout", "build_template", "write_result"]


class ClassgradeError(RuntimeError):
    """A problem of the course or gradebook that stops the run before any grading."""


def course_files(root, assignment):
    """{relative path: bytes} a worker needs: the config, source/<A>/ but its notebooks, release/<A>/."""
    root = Path(root)
    files = {"nbgrader_config.py": (root / "nbgrader_config.py").read_bytes()}
    for top, keep in (("source", lambda p: p.suffix != ".ipynb"), ("release", lambda p: True)):
        base = root / top / assignment
        if not base.is_dir():
            raise ClassgradeError(f"{top}/{assignment}/ is missing")
        for path in sorted(base.rglob("*")):
            if "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            if path.is_file() and not path.is_symlink() and keep(path):
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def assignment_layout(db_url, assignment, course_id="default_course"):
    """{notebook: (grade cells, solution cells, task cells, source cells)} of ``assignment``, or None."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return None
        return {
            nb.name: tuple(sorted(c.name for c in cells) for cells in (nb.grade_cells, nb.solution_cells, nb.task_cells, nb.source_cells))
            for nb in found.notebooks
        }


def _generate_into(root, assignment, db_url):
    """``nbgrader generate_assignment`` into ``db_url``, in a scratch copy of the course (release/ untouched)."""
    scratch = _private_folder()
    try:
        shutil.copy2(Path(root) / "nbgrader_config.py", scratch)
        shutil.copytree(Path(root) / "source" / assignment, scratch / "source" / assignment, symlinks=True)
        code, log, _ = nbgrader(scratch, "generate_assignment", assignment, "--force",
                                f"--CourseDirectory.root={scratch}", f"--CourseDirectory.db_url={db_url}", check=False)
        if code != 0:
            raise ClassgradeError(f"nbgrader generate_assignment failed (exit {code}):\n{log[-3000:]}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _empty_gradebook(path, alembic_version):
    """A SQLite gradebook with nbgrader's tables and the class's schema version, and nothing else.

    Made directly so that nbgrader need not run ``alembic`` (seconds) to learn the version.
    """
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{path}", future=True)
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": alembic_version})
    finally:
        engine.dispose()


def _copy_definition(source, target, assignment, course_id):
    """The assignment's rows (notebooks, cells, sources, due date) from one gradebook into another, in one commit."""
    from nbgrader.api import Assignment, GradeCell, Notebook, SolutionCell, SourceCell, TaskCell

    found = source.find_assignment(assignment)
    copy = Assignment(name=assignment, duedate=found.duedate, course_id=course_id)
    for nb in found.notebooks:
        notebook = Notebook(name=nb.name, assignment=copy, kernelspec=nb.kernelspec)
        for c in nb.grade_cells:
            GradeCell(name=c.name, max_score=c.max_score, cell_type=c.cell_type, notebook=notebook)
        for c in nb.solution_cells:
            SolutionCell(name=c.name, notebook=notebook)
        for c in nb.task_cells:
            TaskCell(name=c.name, max_score=c.max_score, cell_type=c.cell_type, notebook=notebook)
        for c in nb.source_cells:
            SourceCell(name=c.name, cell_type=c.cell_type, locked=c.locked, source=c.source, checksum=c.checksum, notebook=notebook)
    target.db.add(copy)
    target.db.commit()


def build_template(root, assignment, class_db_url, course_id):
    """The bytes of a SQLite gradebook holding ``assignment`` exactly as the class gradebook defines it.

    The definition is copied from the class gradebook, which is what
    ``nbgrader autograde`` grades against (locked cells' sources, checksums,
    points); a class gradebook without the assignment first gets it from
    ``nbgrader generate_assignment`` in a scratch copy of the course.
    """
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    if assignment_layout(class_db_url, assignment, course_id) is None:
        _generate_into(root, assignment, class_db_url)
    scratch = _private_folder()
    try:
        path = scratch / "template.db"
        with Gradebook(class_db_url, course_id) as source:
            try:
                version = source.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:  # no such table: let nbgrader find the version itself
                source.db.rollback()
                version = None
            if version:
                _empty_gradebook(path, version)
            with Gradebook(f"sqlite:///{path}", course_id) as target:
                _copy_definition(source, target, assignment, course_id)
        if assignment_layout(f"sqlite:///{path}", assignment, course_id) != assignment_layout(class_db_url, assignment, course_id):
            raise ClassgradeError(f"the template gradebook differs from the class gradebook's {assignment}")
        return path.read_bytes()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def own_folder(path):
    """``path`` as a real folder of ours (created if absent; a link or a file there is refused)."""
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isdir(path)):
        raise ClassgradeError(f"{path} is not a folder (a link?): refusing to write there")
    os.makedirs(path, exist_ok=True)
    return Path(path)


def _stage_files(parent, assignment, files, provenance):
    """The autograded files in a new sibling folder of ``parent/<assignment>``; its path."""
    new = Path(tempfile.mkdtemp(prefix=f".{assignment}.nouveau-", dir=parent))
    try:
        for rel, data in files.items():
            path = new / _relative(rel)
            if path.name == prov.FILE_NAME and path.parent == new:
                continue  # ours alone
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as f:
                f.write(data)
            os.chmod(path, 0o644)
        (new / prov.FILE_NAME).write_bytes(prov.record(provenance))
        os.chmod(new, 0o755)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return new


def _write_rows(db_url, course_id, assignment, result, names, graded):
    """The submission's rows, in one transaction, as nbgrader autograde leaves them, and the graders'
    structured results (:mod:`.results_table`): the student's rows replaced in that same transaction."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    student, rows = result["student"], result["grades"]
    with Gradebook(db_url, course_id) as gb, warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about its own autoflush: noise, as in nbgrader's log.
        warnings.simplefilter("ignore", SAWarning)
        results_table.ensure(gb.db.connection())
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student, first_name=names[0], last_name=names[1])
        kwargs = {"timestamp": rows["timestamp"]} if rows["timestamp"] else {}
        submission = gb.update_or_create_submission(assignment, student, **kwargs)
        # The late-penalty step mirrored extensions.csv there, as nbgrader autograde does in place.
        extension = rows.get("extension")
        submission.extension = datetime.timedelta(seconds=float(extension)) if extension else None
        try:
            for nb in submission.notebooks:
                row = rows["notebooks"].get(nb.name)
                if row is None:
                    raise ClassgradeError(f"the worker's result has no notebook {nb.name}")
                processed = nb.name in graded
                for grade in nb.grades:
                    got = row["grades"][grade.name]
                    if not processed:  # not handed in: nbgrader scores it 0
                        grade.auto_score, grade.needs_manual_grade = 0, False
                        continue
                    grade.auto_score = got["auto_score"]
                    # SaveAutoGrades: a cell graded by hand before, or without an automatic score, needs a look.
                    grade.needs_manual_grade = grade.manual_score is not None or got["auto_score"] is None
                if processed:
                    nb.late_submission_penalty = row["late_submission_penalty"]
                    for comment in nb.comments:
                        comment.auto_comment = row["comments"][comment.name]["auto_comment"]
            gb.db.flush()
            results_table.replace(gb.db.connection(), assignment, student, rows.get("results", []))
            gb.db.commit()
        except BaseException:
            gb.db.rollback()
            raise


def write_result(root, autograded_dir, db_url, course_id, assignment, result, provenance, names=(None, None)):
    """Write one successful task result into the course: files, then rows, then the swap."""
    student = result["student"]
    parent = own_folder(Path(autograded_dir) / student)
    new = _stage_files(parent, assignment, result["files"], provenance)
    try:
        graded = {Path(rel).stem for rel in result["files"] if "/" not in rel and rel.endswith(".ipynb")}
        _write_rows(db_url, course_id, assignment, result, names, graded)
        target = parent / assignment
        old = None
        if os.path.lexists(target):
            old = Path(tempfile.mkdtemp(prefix=f".{assignment}.ancien-", dir=parent))
            os.rename(target, old / assignment)
        os.rename(new, target)
        new = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if new is not None:
            shutil.rmtree(new, ignore_errors=True)
    anomalies = [staging.Anomaly(student, *line.split("\t", 2)[1:]) for line in result.get("anomalies", []) if line.count("\t") >= 2]
    staging.write_report(staging.report_folder(root, assignment), anomalies, {student})
    return target
