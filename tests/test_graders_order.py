"""When the class command runs a student's graders after its kernels, and how it tells nbgrader.

Beside the kernels, the graders use a core the kernel leaves idle; once the
workers fill the cores, they wait (``--graders auto``). The grades are the
same either way: ``tests/test_pipeline.py`` compares the demo class's run
with ``nbgrader autograde`` run with the graders beside the kernels.
"""

import os

from grading_tests.course.classgrade.task import _argv, graders_after_kernels

CORES = len(os.sched_getaffinity(0))


def test_graders_wait_for_the_kernels_when_the_workers_fill_the_cores():
    assert graders_after_kernels(None, CORES, None) is True
    assert graders_after_kernels(None, CORES + 1, None) is True
    assert graders_after_kernels(None, 1, "tcp://10.0.0.1:8786") is True  # a cluster: one worker per core
    if CORES > 1:
        assert graders_after_kernels(None, CORES - 1, None) is False


def test_the_instructors_choice_wins():
    assert graders_after_kernels(False, CORES, None) is False
    assert graders_after_kernels(True, 1, None) is True


def test_the_task_passes_the_choice_to_nbgrader(tmp_path):
    bundle = {"assignment": "06_reseaux_de_neurones", "student": "dupont", "seed": 3, "provenance": "abc"}
    flag = "--TrustedGrades.beside_kernels=False"
    assert flag in _argv(tmp_path, dict(bundle, graders_after=True))
    assert flag not in _argv(tmp_path, dict(bundle, graders_after=False))
    assert flag not in _argv(tmp_path, bundle)
