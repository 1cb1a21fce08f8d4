"""The mistakes each student made, as the graders recorded them in the gradebook; nothing is run.

The class command keeps, beside each grade, the graders' structured results
(:mod:`...nbgrader_plugin.results_table`). Two kinds of feature come from
them, per student:

- ``("nommée", function, id)``: a named mistake (``sigmoid_derivative.from_z_not_sigma``);
- ``("échec", function, stage, kind, hint)``: a failure without a name, with
  the grader's diagnostic, which names what came back: two students whose
  function returns the same wrong output get the same one.

The gradebook is read only: a SQLite gradebook that does not exist is not
created (the report then says that mistakes were not used).
"""

from __future__ import annotations

from pathlib import Path

from ...nbgrader_plugin import results_table
from ...nbgrader_plugin.student_ids import printable
from .answers import SimilarityError

__all__ = ["course_db_url", "read_mistakes", "describe"]


def course_db_url(root, db_url=None):
    """The gradebook's URL: ``db_url``, else nbgrader_config.py's, else nbgrader's default."""
    if db_url:
        return db_url
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config() if (Path(root) / "nbgrader_config.py").is_file() else None
    if config is not None and "db_url" in config.CourseDirectory:
        return config.CourseDirectory.db_url
    return f"sqlite:///{Path(root) / 'gradebook.db'}"


def read_mistakes(root, assignment, db_url, explicit):
    """({student: set of features}, None) or ({}, the French reason no mistake is used).

    A gradebook given on the command line (``explicit``) that cannot be read
    is bad input (SimilarityError); the course's default one may be absent.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        url = make_url(db_url)
    except ArgumentError:
        raise SimilarityError(f"adresse de carnet de notes illisible : {printable(db_url)}") from None
    if url.drivername.startswith("sqlite"):
        path = Path(url.database or "")
        path = path if path.is_absolute() else Path(root) / path
        if not url.database or not path.is_file():
            if explicit:
                raise SimilarityError(f"pas de carnet de notes à {printable(url.database)}")
            return {}, "pas de carnet de notes : les erreurs nommées ne sont pas comparées, seul le code l'est"
        url = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = results_table.read(connection, assignment)
    except SQLAlchemyError as exc:
        raise SimilarityError(f"carnet de notes illisible ({type(exc).__name__})") from None
    finally:
        engine.dispose()
    if not rows:
        return {}, "aucun résultat détaillé des correcteurs dans le carnet de notes : seul le code est comparé"
    found = {}
    for row in rows:
        if row["mistake"]:
            feature = ("nommée", row["function"], row["mistake"])
        elif row["score"] < row["max_score"] and row["hint"]:
            feature = ("échec", row["function"], row["stage"] or "", row["kind"] or "", row["hint"])
        else:
            continue
        found.setdefault(row["student"], set()).add(feature)
    return found, None


def describe(feature):
    """(function, what it is) of a feature, in French, for the page."""
    if feature[0] == "nommée":
        return feature[1], f"erreur nommée {feature[2]}"
    return feature[1], f"même échec sans erreur nommée : {printable(feature[4])}"
