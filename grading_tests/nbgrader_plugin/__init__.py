"""nbgrader plugin: the grades nbgrader records come from the course's graders.

``nbgrader autograde`` normally scores an autograder-test cell from what the
student's own kernel printed: any error or stderr line gives 0, a number gives
partial credit, anything else full credit. A notebook can game all of that
(``docs/instructor.md``). Here the kernel's output is never read. Instead:

- :class:`TrustedGrades` grades the student's notebooks (as staged) out of
  process with :func:`grading_tests.runner.grade_submission` (confined worker,
  reference at grading time), once per student, and gives every graded code
  cell ``test_<name>`` two outputs: the graders' French feedback (stdout) and
  the score as a plain float (``execute_result``), which nbgrader's
  ``determine_grade`` records as is. A graded code cell whose ``grade_id`` has
  no grader, or whose points differ from the grader's, stops the run for that
  student with an error, rather than fall back to in-kernel grading.
- :class:`ConfinedExecute` still runs each notebook, so that the instructor
  sees its outputs and plots, but in the course kernel ``rn-ch06-confine``
  (``grading_tests/kernel/``), confined by ``grading_tests/confine.py`` like
  the grading worker, in a scratch folder outside the course; every notebook
  gets a fresh kernel process, forked from a warm template that imported the
  libraries once; what it sends is bounded, its process group is killed when
  it ends, and it survives a kernel that dies or hangs: the cell gets an
  error, a fresh kernel replays the cells before it (their first outputs
  kept, the replay within the time budget) and the notebook goes on.
- :class:`StagingNotebookExporter` makes nbgrader read only a clean copy of
  each hand-in (:mod:`.staging`): no link followed, no file but
  small regular ones read, every notebook rebuilt as the released notebook
  plus the student's answers (nothing of the student's metadata survives),
  ``timestamp.txt`` kept only if it is a date, and what was left out listed
  in ``logs/<assignment>/anomalies.txt``; it refuses a student id outside
  the safe set of :mod:`.student_ids`. It also starts grading each student in
  the background while the kernel runs.
- :class:`MarkSchemes` puts each written answer's mark scheme back under the
  student's answer once the kernel is done, for the formgrader; an untouched
  answer then needs no manual grade.
- :class:`SafeOutputs` cleans every output of student code once, in the
  autograded notebook, through :mod:`.safe_html` (the one allow-list
  sanitizer of every page that shows a hand-in): no script, widget or
  student styling reaches the formgrader, the feedback or JupyterLab.
- :class:`FeedbackHygiene` keeps hidden tests, mark schemes, instructor
  paths and secret-looking values off the feedback pages.
- :class:`FeedbackSummary` and :class:`FeedbackExporter` make the feedback
  page: in its header the grade per function (the gradebook's score, the
  verdict TrustedGrades recorded), each graded cell titled with its
  function, a notebook worth no points said to be so, all in French
  (``templates/feedback_cours``), and its maths as MathML, drawn by the
  browser with no script and no network.
- :class:`SaveResults`, right after nbgrader saved the grades, keeps what
  each grade rests on (stage, kind, named mistake, hint) in the gradebook's
  database (:mod:`.results_table`), for the class report.
- :class:`LatePenalties` computes late penalties with the course's
  :class:`LatePolicy` (nbgrader's ``AssignLatePenalties.plugin_class``),
  each student's deadline (the due date, or ``extensions.csv``) and the
  scores of now, at autograde and again at feedback time, with the same
  functions as the grade export (:mod:`.late_penalties`).
- :class:`CheckGradedCells` makes ``nbgrader generate_assignment`` refuse a
  source notebook whose graded cells do not match the graders.

``nbgrader_config.py`` at the course root wires all of this in, by the
names this package exports. As in nbgrader, one module per preprocessor
(``check_graded_cells``, ``staging_exporter``, ``confined_execute``,
``trusted_grades``, ``save_results``, ``mark_schemes``, ``safe_outputs``, ``feedback_hygiene``,
``feedback_summary``, ``feedback_exporter``, ``late_penalties``); what they share is in ``common``;
the late policy is ``late_policy``;
student HTML is cleaned by ``safe_html`` alone, pages are made by
``safe_exporter``'s exporter, and ``formgrader`` is the course's server
extension that serves the formgrader's pages;
the staging of hand-ins is ``staging`` (reading with ``handin_files``,
rebuilding with ``notebook_rebuild``); the kernels' life is ``kernel_manager``
and ``kernel_template``.
"""

from .check_graded_cells import CheckGradedCells
from .common import GraderMismatch, grader_for
from .confined_execute import KERNEL_DIR, KERNEL_NAME, ConfinedExecute
from .feedback_exporter import FeedbackExporter
from .feedback_hygiene import FeedbackHygiene
from .feedback_summary import FeedbackSummary
from .late_penalties import LatePenalties
from .late_policy import LatePolicy
from .mark_schemes import MarkSchemes
from .safe_outputs import SafeOutputs
from .save_results import SaveResults
from .staging_exporter import StagingNotebookExporter
from .trusted_grades import TrustedGrades

__all__ = [
    "KERNEL_DIR",
    "KERNEL_NAME",
    "GraderMismatch",
    "grader_for",
    "CheckGradedCells",
    "StagingNotebookExporter",
    "ConfinedExecute",
    "TrustedGrades",
    "SaveResults",
    "MarkSchemes",
    "SafeOutputs",
    "FeedbackHygiene",
    "FeedbackSummary",
    "FeedbackExporter",
    "LatePenalties",
    "LatePolicy",
]
