"""Late penalties in the gradebook: computed one way, at autograde, at feedback and at export.

nbgrader's ``AssignLatePenalties`` computes a penalty once, at autograde
time, from the scores of that moment (before any written answer is graded by
hand) and the deadline of that moment: a later extension or a changed due
date leaves it stale (nbgrader #723). :class:`LatePenalties` replaces it in
both the autograde and the feedback pipelines, and the grade export
(``python -m grading_tests.course export``) calls the same two functions:

- :func:`assess_submission`: the student's deadline (the gradebook's due
  date, or ``extensions.csv``'s new deadline), how late the hand-in is, and
  each notebook's penalty on its current score, with the course's
  :class:`.late_policy.LatePolicy` (``AssignLatePenalties.plugin_class``);
- :func:`apply`: writes that into nbgrader's own columns: each notebook's
  ``late_submission_penalty`` (None when on time, as nbgrader leaves it), and
  the submission's ``extension`` (new deadline − due date), so that nbgrader's
  ``total_seconds_late``, the formgrader and ``nbgrader export`` agree too.

So whatever shows a penalty (the feedback page, the formgrader, each export)
shows the one computed from the policy, deadlines and scores as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties

from .common import course_directory
from .late_policy import LatePolicy, Lateness, student_deadline, seconds_late

__all__ = ["SubmissionLateness", "assess_submission", "apply", "LatePenalties"]


@dataclass
class SubmissionLateness:
    """One submission's lateness under the policy, and the penalty of each notebook."""

    student: str
    deadline: object  # naive UTC datetime, or None (no due date)
    extension: object  # the Extension granted, or None
    lateness: Lateness
    penalties: dict = field(default_factory=dict)  # notebook name -> points lost
    scores: dict = field(default_factory=dict)  # notebook name -> score the penalty was computed on
    message: str | None = None  # French, for the student; None when on time

    @property
    def penalty(self):
        return sum(self.penalties.values())


def assess_submission(submission, policy, extensions):
    """The :class:`SubmissionLateness` of an nbgrader ``SubmittedAssignment``; nothing written.

    Raises :class:`.late_policy.PolicyError` for an extension before the due date.
    """
    if not isinstance(policy, LatePolicy):
        raise TypeError(f"the late policy must be a LatePolicy, not {type(policy).__name__} (AssignLatePenalties.plugin_class)")
    extension = extensions.get(submission.student_id)
    duedate = submission.assignment.duedate
    deadline = student_deadline(duedate, extension)
    lateness = policy.assess(seconds_late(submission.timestamp, deadline))
    result = SubmissionLateness(submission.student_id, deadline, extension if duedate is not None else None, lateness)
    for notebook in submission.notebooks:
        score = float(notebook.score or 0.0)
        result.scores[notebook.name] = score
        result.penalties[notebook.name] = lateness.penalty(score)
    result.message = policy.describe(lateness, deadline)
    return result


def apply(submission, assessed, notebooks=None):
    """Write ``assessed`` into nbgrader's columns of ``submission`` (all notebooks, or those named).

    Returns the names of the notebooks whose stored penalty changed; the
    caller commits.
    """
    extension = None
    if assessed.extension is not None and submission.assignment.duedate is not None:
        extension = assessed.extension.deadline - submission.assignment.duedate
    if submission.extension != extension:
        submission.extension = extension
    changed = []
    for notebook in submission.notebooks:
        if notebooks is not None and notebook.name not in notebooks:
            continue
        value = assessed.penalties[notebook.name] if assessed.lateness.late else None
        if notebook.late_submission_penalty != value:
            changed.append(notebook.name)
            notebook.late_submission_penalty = value
    return changed


class LatePenalties(AssignLatePenalties):
    """nbgrader's late-penalty step, with the course's policy, deadlines and the scores of now.

    In ``Autograde.autograde_preprocessors`` (after ``SaveAutoGrades``) and at
    the head of ``GenerateFeedback.preprocessors`` (before ``GetGrades``,
    which then reads the fresh value). For the notebook at hand it writes
    the penalty and mirrors the student's extension in the gradebook, and
    leaves in ``resources["late_submission"]`` what the feedback page says:
    ``penalty`` (points) and ``message`` (French, None when on time).
    ``plugin_class`` must be :class:`.late_policy.LatePolicy` or a subclass.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        policy = self.plugin_class(parent=self)
        coursedir = course_directory(self)
        extensions = policy.extensions(coursedir.root) if isinstance(policy, LatePolicy) else {}
        with Gradebook(info["db_url"], coursedir.course_id) as gb:
            submission = gb.find_submission(info["assignment"], info["student"])
            assessed = assess_submission(submission, policy, extensions)
            apply(submission, assessed, notebooks={info["notebook"]})
            gb.db.commit()
        penalty = assessed.penalties.get(info["notebook"], 0.0)
        if assessed.lateness.late:
            self.log.warning("%s: %s (notebook %s: -%g)", info["student"], assessed.message, info["notebook"], penalty)
        resources["late_submission"] = {"penalty": penalty, "message": assessed.message}
        return nb, resources
