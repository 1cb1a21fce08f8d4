"""The reference keeps full marks whatever the seed: no false failures."""

from concurrent.futures import ProcessPoolExecutor

from grading_tests.reference_submission import write_reference_submission

from grading_tests.runner import grade_submission

SEEDS = range(50)


def _lost_points(args):
    path, seed = args
    report = grade_submission(path, seed=seed)
    return seed, {n: r["feedback"] for n, r in report["functions"].items() if r["score"] != r["max_score"]}


def test_reference_keeps_full_marks_for_50_seeds(tmp_path):
    path = write_reference_submission(tmp_path / "reference.py")
    # Two graders at a time: the machine has two cores, and each grading is
    # mostly one worker process computing.
    with ProcessPoolExecutor(max_workers=2) as pool:
        failures = {seed: lost for seed, lost in pool.map(_lost_points, [(path, s) for s in SEEDS]) if lost}
    assert not failures, failures
