"""nbgrader configuration of the course. Run every nbgrader command from this folder.

Grades come from the course's graders, run out of the student's kernel
(``grading_tests/nbgrader_plugin/``); the kernel itself is confined
(``grading_tests/kernel/``). See ``docs/instructor.md``.
"""

import os
import re
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

ROOT = Path(__file__).resolve().parent

# nbgrader runs `alembic` from PATH to create or upgrade the gradebook. The
# formgrader loads this file inside JupyterLab's own process: put the bin
# folder of the Python running it first, so that `.venv/bin/jupyter lab`
# started without the venv on PATH finds the venv's alembic (and never
# another one). Without it the formgrader hangs on "Loading, please wait...".
_BIN = str(Path(sys.executable).parent)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _BIN:
    os.environ["PATH"] = os.pathsep.join([_BIN, os.environ.get("PATH", "")])
PLUGIN = "grading_tests.nbgrader_plugin."

c.CourseDirectory.course_id = "rn-fondamentaux-ch06"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'gradebook.db'}"


# --- files: what reaches the release, and what of a submission reaches the kernel
def python_files_except(allowed):
    """Globs matching every ``*.py`` file name except those in ``allowed``.

    nbgrader applies ``CourseDirectory.ignore`` both to the files a student
    hands in and to the course's own files (source -> release -> autograded),
    so a plain ``*.py`` would also drop ``outils_cours.py``. These globs spell
    out "any other name": along the letters of the allowed names, a different
    next letter, a shorter name, or a longer one.
    """
    stems = sorted(Path(name).stem for name in allowed)
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", s) for s in stems), stems
    patterns = []
    prefixes = sorted({""} | {s[:i] for s in stems for i in range(len(s) + 1)})
    for prefix in prefixes:
        following = sorted({s[len(prefix)] for s in stems if len(s) > len(prefix) and s.startswith(prefix)})
        if following:
            patterns.append(f"{prefix}[!{''.join(following)}]*.py")
        else:
            patterns.append(f"{prefix}?*.py")
        if prefix and prefix not in stems:
            patterns.append(f"{prefix}.py")
    return patterns


# The course's own modules, shipped beside the notebooks (source/<devoir>/*.py).
COURSE_MODULES = sorted({p.name for p in ROOT.glob("source/*/*.py")})

c.CourseDirectory.ignore = [
    # nbgrader's defaults
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    # A submission never brings code of its own next to the notebooks: no
    # copy of the graders or the reference, no module shadowing numpy or the
    # course's helpers, no compiled extension, no hidden file.
    "grading_tests",
    "reference_impl",
    ".*",
    "*.so",
    "*.pyd",
    "*.pth",
    "*.zip",
    "*.egg",
    *python_files_except(COURSE_MODULES),
]

# --- generate_assignment ---------------------------------------------------------
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
# A written answer's rubric ends its own answer cell (no 0-point task cell, which
# nbgrader would flag for manual grading forever): SaveCells keeps it in the
# gradebook, ClearMarkScheme removes it from the release, MarkSchemes (autograde)
# shows it again under the student's answer in the formgrader.
c.ClearMarkScheme.enforce_metadata = False
c.GenerateAssignment.preprocessors = [
    PLUGIN + "CheckGradedCells",  # every test_<name> cell has a grader worth its points
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# --- autograde -------------------------------------------------------------------------
c.Autograde.exporter_class = PLUGIN + "StagingNotebookExporter"  # nbgrader reads only staged, rebuilt hand-ins
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",  # locked cells back to the gradebook's source (hidden tests)
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    PLUGIN + "ConfinedExecute",  # course kernel; survives a dead or hung kernel
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    PLUGIN + "SafeOutputs",  # outputs cleaned once: no script, widget or student styling in autograded/
    PLUGIN + "TrustedGrades",  # test_<name> cells: the graders' score, never the kernel's
    PLUGIN + "MarkSchemes",  # written answers get their rubric back, after the kernel
    "nbgrader.preprocessors.SaveAutoGrades",
    PLUGIN + "SaveResults",  # beside the grades: stage, kind, named mistake of each (the class report)
    PLUGIN + "LatePenalties",  # nbgrader's AssignLatePenalties with the policy below and extensions.csv
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Execute.timeout = 60  # seconds per cell; the notebooks' own cells take a few at most
c.Execute.startup_timeout = 60
c.Execute.iopub_timeout = 5
c.ConfinedExecute.max_restarts = 3
c.LimitOutput.max_lines = 300
c.LimitOutput.max_traceback = 60
c.TrustedGrades.seed = None  # a fresh seed per student and run, printed in the feedback

# --- late hand-ins ------------------------------------------------------------------
# Lateness runs from the student's deadline: the assignment's due date in the gradebook
# (`nbgrader db assignment add 06_reseaux_de_neurones --duedate="2025-03-14 19:00:00 Europe/Paris"`,
# or the formgrader), or the new deadline extensions.csv gives that student
# (student,deadline,reason; under version control). The penalty is a share of the score,
# recomputed from the scores and deadlines of now at autograde, at feedback and at every
# export (`python -m grading_tests.course export`): see docs/instructor.md, "Late hand-ins".
c.AssignLatePenalties.plugin_class = PLUGIN + "LatePolicy"
c.LatePolicy.unit = "day"  # lateness counted in started days ("hour": started hours)
c.LatePolicy.rate = 0.10  # 10 % of the score per started day late...
c.LatePolicy.cap = 0.50  # ...at most 50 %
c.LatePolicy.grace_minutes = 15  # up to 15 minutes late is on time
c.LatePolicy.hard_deadline_hours = 7 * 24  # a week after the deadline: 0
c.LatePolicy.extensions_file = "extensions.csv"  # from the course root
c.LatePolicy.timezone = "Europe/Paris"  # of the dates in extensions.csv that name no zone, and of dates shown

# --- validate -----------------------------------------------------------------------
# Every locked code cell counts, not only the graded ones: the graded cells hold
# no code (the graders run outside), so the visible checks are what fails on a stub.
c.Validator.validate_all = True

# --- generate_feedback -----------------------------------------------------------------
c.GenerateFeedback.preprocessors = [
    PLUGIN + "LatePenalties",  # the penalty again, on the scores (written answers graded since) and deadlines of now
    "nbgrader.preprocessors.GetGrades",
    # Hidden-test source and mark schemes stay with the teachers (nbgrader's
    # ClearHiddenTests/ClearMarkScheme, minus their failure on stray markers).
    PLUGIN + "FeedbackHygiene",
    PLUGIN + "FeedbackSummary",  # the header's grade per function, the graded cells' titles
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# The course's page (French, grade table) with its maths as MathML: no MathJax, no CDN.
c.GenerateFeedback.exporter_class = PLUGIN + "FeedbackExporter"
