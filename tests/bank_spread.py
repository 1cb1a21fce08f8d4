"""The spread of each bank file's grade over many seeds.

    python tests/bank_spread.py [--seeds 20] [--workers 2] [--json] [FILE ...]

A file of ``wrong/`` or ``correct/`` is graded on its own function only, with
``seeds`` seeds: the file's own (``bank_cases.seed_for``) and the ones after
it. One confined worker is started per file and kept for all its seeds, as
one worker serves every function of a real grading: a submission's state
(a global counter, numpy's global generator) carries over from one seed to
the next as it does from one grader to the next. The spread of a file is its
highest score minus its lowest, as a share of the function's points.

The file's own seed is graded by ``runner.grade_submission`` itself, as a
hand-in is (the load within the student's budget, the grader within its
own, the load's notes in the feedback), whose sandbox is then kept open for
the other seeds: its report is the one ``tests/test_bank.py`` asserts on, so
the suite grades each file at its own seed once for both tests.

``train_digits_model`` is left out unless named: each of its gradings trains
three networks, and its grade cannot be stable (the grader's docstring says
why). ``bank_pass`` grades it at its own seed only, for ``test_bank``.
"""

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bank_cases import BANK, seed_for  # noqa: E402

SEEDS = 20
# Functions whose grader states why its grade varies with the seed.
UNSTABLE = ("train_digits_model",)


def seeds_for(path, count=SEEDS):
    first = seed_for(path)
    return [(first + k) % 2**31 for k in range(count)]


class Graded(NamedTuple):
    """One bank file graded under its seeds."""

    function: str
    points: float
    scores: dict  # {seed: score}, the file's own seed first
    first: dict  # the function's entry of grade_submission's report at the file's own seed
    error: str | None  # why the seeds after the first could not all be graded
    seconds: float


def spread_of(args):
    """(file, Graded) of one bank file (see the module's docstring)."""
    from unittest import mock

    from grading_tests import runner
    from grading_tests.framework import run_grader
    from grading_tests.sandbox import Sandbox

    path, count = Path(args[0]), args[1]
    spec = runner.registry()[path.parent.name]
    seeds = seeds_for(path, count)
    kept = []

    class KeptSandbox(Sandbox):
        """grade_submission's own sandbox, closed once every seed is graded."""

        def close(self):
            kept.append(self)

    start = time.perf_counter()
    with mock.patch.object(runner, "Sandbox", KeptSandbox):
        first = runner.grade_submission(path, seed=seeds[0], names=[spec.name])["functions"][spec.name]
    scores, error = {seeds[0]: first["score"]}, None
    try:
        for seed in seeds[1:]:
            scores[seed] = run_grader(spec, kept[0], seed).score
    except Exception as exc:  # noqa: BLE001  (reported by the file's own test, the others still run)
        error = f"seed {seed}: {type(exc).__name__}: {exc}"
    finally:
        Sandbox.close(kept[0])
    graded = Graded(spec.name, spec.points, scores, first, error, time.perf_counter() - start)
    return str(path.relative_to(BANK)), graded


def bank_files(include_unstable=False):
    files = sorted(BANK.glob("wrong/*/*.py")) + sorted(BANK.glob("correct/*/*.py"))
    return [p for p in files if include_unstable or p.parent.name not in UNSTABLE]


def spreads(files, count=SEEDS, workers=2, once=()):
    """{file: Graded}, graded ``workers`` files at a time; the files of the functions in ``once`` at
    their own seed only (they go first: they take the longest)."""
    jobs = sorted(((str(p), 1 if p.parent.name in once else count) for p in files), key=lambda job: job[1])
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(spread_of, jobs))


def bank_pass(count=SEEDS, workers=2):
    """Every file of ``wrong/`` and ``correct/`` graded: those of ``UNSTABLE`` at their own seed only,
    the others under ``count`` seeds."""
    return spreads(bank_files(include_unstable=True), count, workers, once=UNSTABLE)


def share(points, scores):
    values = list(scores.values())
    return (max(values) - min(values)) / points


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    files = [p.resolve() for p in args.files] or bank_files()
    result = spreads(files, args.seeds, args.workers)
    if args.json:
        json.dump({k: [g.function, g.points, g.scores, g.seconds] for k, g in result.items()}, sys.stdout, indent=0, sort_keys=True)
        return 0
    for name, graded in result.items():
        if graded.error:
            print(f"{name}: {graded.error}")
    ranked = sorted(result.items(), key=lambda item: -share(item[1].points, item[1].scores))
    for name, graded in ranked:
        values = sorted(set(graded.scores.values()))
        if len(values) > 1:
            print(f"{share(graded.points, graded.scores):6.1%}  {name}  {values}")
    worst = share(ranked[0][1].points, ranked[0][1].scores) if ranked else 0.0
    print(f"{len(result)} file(s), {args.seeds} seeds each; largest spread {worst:.1%} of the function's points")
    by_function = {}
    for graded in result.values():
        by_function[graded.function] = by_function.get(graded.function, 0.0) + graded.seconds
    print("seconds per function:", ", ".join(f"{f} {t:.0f}" for f, t in sorted(by_function.items(), key=lambda x: -x[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
