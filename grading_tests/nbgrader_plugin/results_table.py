"""The graders' structured results, kept beside the grade in a table of the gradebook's own database.

nbgrader records one number per graded cell. The class report needs what
that number rests on: per student and function, the score, the stage the
checks reached, the rubric's kind of the failure, the stable id of the named
mistake recognised (``<function>.<name>``, :class:`grading_tests.framework.Named`)
and its French hint. They live in one course-owned table, :data:`RESULTS`,
in the gradebook's database (SQLite or PostgreSQL, whatever ``db_url``
nbgrader uses), for three reasons:

- it is written in the same transaction as the grade by the class command's
  driver, the gradebook's only writer, so a grade and its results never
  disagree, whatever stops the run; a regrade replaces both at once;
- it goes wherever the gradebook goes (a shared PostgreSQL gradebook, a copy
  of ``gradebook.db``), with no file beside it to keep in step;
- nbgrader's own tables are untouched: the table has its own SQLAlchemy
  metadata, no foreign key into nbgrader's (removing a student or an
  assignment in nbgrader still works), and nbgrader's migrations never see it.

Rows are keyed by (assignment, student, function). Their writers:
:class:`.save_results.SaveResults` in nbgrader's process (stock ``nbgrader
autograde``, and each worker of the class command in its private gradebook),
then the driver, which copies a worker's rows into the class gradebook with
the grades (``course/classgrade/gradebook.py``).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, MetaData, String, Table, Text, delete, insert, select

__all__ = ["TABLE_NAME", "RESULTS", "FIELDS", "HINT_CHARS", "ensure", "rows_for", "replace", "read"]

TABLE_NAME = "rn_ch06_grader_results"
HINT_CHARS = 2000  # a hint may quote the student's exception: kept bounded

_metadata = MetaData()
RESULTS = Table(
    TABLE_NAME,
    _metadata,
    Column("assignment", String(128), primary_key=True),
    Column("student", String(128), primary_key=True),
    Column("function", String(128), primary_key=True),
    Column("notebook", String(128), nullable=False),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("stage", String(16)),  # the failed stage (framework.STAGES); NULL: every check passed
    Column("kind", String(16)),  # framework.KINDS, or NULL
    Column("mistake", String(200)),  # <function>.<name>, or NULL
    Column("hint", Text),
    Column("status", String(32)),  # why a call gave no value (framework.Fail.outcome), or NULL
)
FIELDS = ("function", "notebook", "score", "max_score", "stage", "kind", "mistake", "hint", "status")


def ensure(connection):
    """Create the table if the database has none (idempotent)."""
    _metadata.create_all(connection, checkfirst=True)


def rows_for(report, notebook, functions):
    """The rows of ``functions`` (graded in ``notebook``) from a report of ``runner.grade_submission``."""
    rows = []
    for name in functions:
        result = report["functions"][name]
        hint = result.get("hint")
        rows.append({
            "function": name, "notebook": notebook, "score": float(result["score"]),
            "max_score": float(result["max_score"]), "stage": result.get("stage"), "kind": result.get("kind"),
            "mistake": result.get("mistake"), "hint": hint[:HINT_CHARS] if hint else None, "status": result.get("status"),
        })
    return rows


def replace(connection, assignment, student, rows, notebook=None):
    """The student's rows of ``assignment`` (of one ``notebook`` only, if given) become ``rows``."""
    where = (RESULTS.c.assignment == assignment) & (RESULTS.c.student == student)
    if notebook is not None:
        where &= RESULTS.c.notebook == notebook
    connection.execute(delete(RESULTS).where(where))
    if rows:
        connection.execute(insert(RESULTS), [
            {"assignment": assignment, "student": student, **{key: row.get(key) for key in FIELDS}} for row in rows
        ])


def read(connection, assignment, student=None):
    """The rows of ``assignment`` (of one ``student``, if given), as dicts with ``student`` and :data:`FIELDS`."""
    query = select(RESULTS).where(RESULTS.c.assignment == assignment)
    if student is not None:
        query = query.where(RESULTS.c.student == student)
    if not _has_table(connection):
        return []
    return [{key: row._mapping[key] for key in ("student",) + FIELDS} for row in connection.execute(query)]


def _has_table(connection):
    from sqlalchemy import inspect

    return inspect(connection).has_table(TABLE_NAME)
