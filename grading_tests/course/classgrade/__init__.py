"""Class-scale autograde: ``python -m grading_tests.course autograde <assignment>``.

Every hand-in of ``submitted/`` goes through the same nbgrader pipeline and
the same trusted graders as ``nbgrader autograde``, with the same grades, one
task per student on a Dask cluster (an embedded ``LocalCluster`` by default):

- :mod:`.handin`: a hand-in read into bytes, no link followed, and laid out
  again on the worker;
- :mod:`.provenance`: the hash of what a grade depends on (hand-in, graders,
  course, seed), recorded with each grade; an unchanged hand-in is skipped;
- :mod:`.task`: :func:`~.task.grade_handin`, the function a worker runs: a
  private course, ``nbgrader autograde --student`` under :mod:`.supervise`
  (own session, hard time limit), bytes back;
- :mod:`.gradebook`: the template gradebook, and the driver's writes (the
  driver is the only writer of the gradebook and of ``autograded/``);
- :mod:`.plan`: what becomes of each folder of ``submitted/``: graded,
  unchanged, refused (an id outside the safe set), or nothing to grade;
- :mod:`.table`: the progress line and the final table, ids escaped;
- :mod:`.accounting`: each task's phases, wall and CPU seconds of its whole
  process tree, in ``logs/<assignment>/`` and ``run.json``;
- :mod:`.run`: the driver (bounded in flight, logs, Ctrl-C).
"""

from .run import autograde_class, format_table, load_course

__all__ = ["autograde_class", "format_table", "load_course"]
