"""``python -m grading_tests.course similarity <assignment>``: answers too alike to be independent, for a human to look at.

:func:`build_similarity` reads every hand-in of ``submitted/`` as the class
command does (:mod:`.answers`), normalises and fingerprints each answer
function by function (:mod:`.normalize`), reads the named mistakes the
graders recorded in the gradebook (:mod:`.mistakes`; nothing is run), scores
the pairs that share rare evidence (:mod:`.score`) and writes into ``out``:

- ``similarite.html``: one self-contained French page, no script (the class
  report's Content-Security-Policy and style), with the pairs and groups
  above the threshold, their matching functions side by side (the students'
  code as escaped text), the rare mistakes they share, and the histogram of
  the pair scores;
- ``similarite.csv``: every pair that shares something rare, with its score.

Bad input raises :class:`SimilarityError` before anything is written.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from .answers import SimilarityError, read_class, read_release
from .mistakes import course_db_url, read_mistakes
from .page import FILES, write_pages
from .score import clusters, explain, score_class

__all__ = ["SimilarityError", "FILES", "DEFAULT_THRESHOLD", "build_similarity"]

DEFAULT_THRESHOLD = 0.7
SHOWN_PAIRS = 100  # pairs detailed on the page; the CSV holds every one


def build_similarity(root, assignment, threshold=DEFAULT_THRESHOLD, out=None, db_url=None, warn=None):
    """Build and write the similarity report; return the paths written. SimilarityError on bad input."""
    warn = warn or (lambda text: print(f"similarité : {text}", file=sys.stderr))
    root = Path(root).resolve()
    if not isinstance(threshold, (int, float)) or not math.isfinite(threshold) or threshold <= 0:
        raise SimilarityError(f"seuil invalide ({threshold!r}) : un nombre positif est attendu, par exemple {DEFAULT_THRESHOLD}")
    out = Path(out).resolve() if out else root
    if out.exists() and not out.is_dir():
        raise SimilarityError(f"--out {out.name} existe et n'est pas un dossier")
    release = read_release(root, assignment)
    submitted = root / "submitted"
    answers = read_class(submitted, assignment, release)
    for ans in answers:
        for note in ans.notes:
            warn(f"{_shown(ans.student)} : {note}")
    compared = [a for a in answers if a.units]
    if len(compared) < 2:
        what = "aucun rendu" if not answers else f"{len(compared)} rendu(s) avec du code à comparer sur {len(answers)}"
        raise SimilarityError(f"classe d'un seul élève ou moins ({what} dans submitted/*/{assignment}) : rien à comparer")
    found, mistakes_note = read_mistakes(root, assignment, course_db_url(root, db_url), explicit=bool(db_url))
    mistakes = [found.get(a.student, set()) for a in compared]
    scored, weight, share = score_class(compared, mistakes)
    above = [p for p in scored.pairs if p.score >= threshold]
    for pair in above[:SHOWN_PAIRS]:
        explain(pair, compared, mistakes, weight, share)
    return write_pages(out, {
        "assignment": assignment, "threshold": threshold, "answers": answers, "compared": compared, "scored": scored,
        "above": above, "shown_pairs": SHOWN_PAIRS, "groups": clusters(scored.pairs, threshold),
        "mistakes_note": mistakes_note, "with_mistakes": mistakes_note is None,
    })


def _shown(student):
    from ...nbgrader_plugin.student_ids import shown

    return shown(student)
