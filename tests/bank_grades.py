"""Grade the whole bank with its fixed seeds, to show a change moves no grade.

    python tests/bank_grades.py > before.json        # on the code before
    python tests/bank_grades.py > after.json         # on the code after
    python tests/bank_grades.py --compare before.json after.json

A file of ``wrong/`` or ``correct/`` is graded on its function, an attack on
every function, each with ``bank_cases.seed_for``. ``--compare`` prints the
files whose scores differ, then those whose feedback differs (process ids
left out). Submissions that draw with the unseeded ``np.random`` quote other
numbers from run to run; their scores must still agree.
"""

import argparse
import json
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bank_cases import BANK, seed_for  # noqa: E402


def grade(path):
    from grading_tests.runner import grade_submission

    path = Path(path)
    names = None if path.parent.name == "attacks" else [path.parent.name]
    report = grade_submission(path, seed=seed_for(path), names=names)
    return str(path.relative_to(BANK)), {n: [r["score"], r["feedback"]] for n, r in report["functions"].items()}


def compare(before, after):
    def plain(lines):
        return [re.sub(r"/proc/\d+", "/proc/N", line) for line in lines]

    scores, feedback = [], []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        for function in sorted(set(old) | set(new)):
            (s1, f1), (s2, f2) = old.get(function, (None, [])), new.get(function, (None, []))
            if s1 != s2:
                scores.append(f"{name} {function}: {s1} -> {s2}")
            elif plain(f1) != plain(f2):
                feedback.append(f"{name} {function}")
    print(f"{len(scores)} score difference(s)", *scores, sep="\n")
    print(f"{len(feedback)} feedback difference(s)", *feedback, sep="\n")
    return 1 if scores else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.compare)
        return compare(before, after)
    files = sorted(BANK.glob("*/*/*.py")) + sorted(BANK.glob("attacks/*.py"))
    with ProcessPoolExecutor(args.workers) as pool:
        grades = dict(pool.map(grade, map(str, files)))
    json.dump(grades, sys.stdout, ensure_ascii=False, indent=0, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
