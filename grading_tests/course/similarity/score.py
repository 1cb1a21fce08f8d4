"""Pairs of students scored by what they share that the rest of the class does not.

The evidence is a set of *features* per student: the fingerprints of each of
their units, keyed by unit (a fingerprint of ``sigmoid`` never meets one of
``softmax``), and, when the gradebook holds the graders' structured results,
each named mistake (``backward_pass.missing_one_over_m``) and each failure
without a name but with the same stage, kind and diagnostic (the same wrong
output, as the grader described it).

A feature held by ``df`` of the ``n`` students weighs ``log((n + 1) / df)``,
``df`` counted as at least 2 (a smoothed IDF). A feature held by more than
:data:`COMMON_SHARE` of the class (the one-liner half the class writes alike,
the textbook mistake) weighs nothing: it is evidence of nothing. Candidate
pairs come from an inverted index of the features that weigh something, so
pairs that share nothing rare are never looked at, and no two syntax trees
are ever compared.

A pair's raw score is the sum of the weights of the features both hold; a
shared mistake counts as one typical unit (the median of the units' own
weights) times its IDF. The score divides that by the own weight of the
less unusual of the two hand-ins (the sum of its features' weights, each
counted as if one other student held it), and by no less than
:data:`FLOOR_SHARE` of the median student's own weight: a score of 1 is all
of that hand-in's unusual work found in the other one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

__all__ = ["COMMON_SHARE", "Pair", "Scored", "score_class", "explain", "clusters"]

COMMON_SHARE = 0.1  # a feature more than this share of the class holds is common: weight 0
# A hand-in with almost nothing unusual would make any pair's score jump: the score is divided by at
# least this share of the median student's own weight.
FLOOR_SHARE = 0.25


@dataclass
class Pair:
    a: int
    b: int
    score: float
    units: list = field(default_factory=list)  # [(unit key, weight)], heaviest first
    mistakes: list = field(default_factory=list)  # [(feature, weight)]


@dataclass
class Scored:
    n: int
    cap: int
    floor: float  # the least a pair's score is divided by
    unit_weight: float  # what one shared rare mistake is worth, times its IDF
    pairs: list  # [Pair] of every candidate pair, best first
    compared_pairs: int


def _idf(n, df, cap):
    return math.log((n + 1) / max(df, 2)) if df <= cap else 0.0


def score_class(answers, mistakes):
    """Score every candidate pair. ``answers``: [Answers]; ``mistakes``: [{feature}] per student, same order."""
    n = len(answers)
    cap = max(2, int(COMMON_SHARE * n))
    postings = defaultdict(list)
    for i, ans in enumerate(answers):
        for key, prints in ans.prints.items():
            for fp in prints:
                postings[(key, fp)].append(i)
        for feature in mistakes[i]:
            postings[("\0mistake", feature)].append(i)
    df = {feature: len(holders) for feature, holders in postings.items()}
    unit_self = [sum(_idf(n, df[(key, fp)], cap) for fp in prints) for ans in answers for key, prints in ans.prints.items()]
    unit_weight = float(np.median([w for w in unit_self if w > 0])) if any(w > 0 for w in unit_self) else 1.0

    def weight(feature):
        w = _idf(n, df[feature], cap)
        return w * unit_weight if feature[0] == "\0mistake" else w

    self_weight = [sum(weight(f) for f in _features(ans, mistakes[i])) for i, ans in enumerate(answers)]
    floor = FLOOR_SHARE * float(np.median(self_weight)) if n else 0.0
    floor = floor if floor > 0 else 1.0
    # Features held by the same students weigh in together: each group of holders is expanded into pairs once.
    by_holders = defaultdict(float)
    for feature, holders in postings.items():
        if 2 <= len(holders) <= cap:
            by_holders[tuple(holders)] += weight(feature)
    raw = defaultdict(float)
    for holders, w in by_holders.items():
        for x in range(len(holders)):
            for y in range(x + 1, len(holders)):
                raw[(holders[x], holders[y])] += w
    pairs = []
    for (a, b), total in raw.items():
        pairs.append(Pair(a, b, total / _scale(self_weight, a, b, floor)))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))

    def share(pair, w):
        return w / _scale(self_weight, pair.a, pair.b, floor)

    return Scored(n, cap, floor, unit_weight, pairs, len(raw)), weight, share


def _scale(self_weight, a, b, floor):
    return max(min(self_weight[a], self_weight[b]), floor)


def _features(ans, mistakes):
    return [(key, fp) for key, prints in ans.prints.items() for fp in prints] + [("\0mistake", m) for m in mistakes]


def explain(pair, answers, mistakes, weight, share):
    """Fill ``pair.units`` and ``pair.mistakes``: what the two share, each with its part of the score."""
    a, b = answers[pair.a], answers[pair.b]
    for key in sorted(set(a.prints) & set(b.prints)):
        w = share(pair, sum(weight((key, fp)) for fp in a.prints[key] & b.prints[key]))
        if w > 0:
            pair.units.append((key, w))
    pair.units.sort(key=lambda u: -u[1])
    for feature in sorted(set(mistakes[pair.a]) & set(mistakes[pair.b])):
        w = share(pair, weight(("\0mistake", feature)))
        if w > 0:
            pair.mistakes.append((feature, w))
    pair.mistakes.sort(key=lambda m: -m[1])
    return pair


def clusters(pairs, threshold):
    """Groups of students linked by pairs at or above ``threshold`` (union-find), largest first."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        if p.score >= threshold:
            parent[find(p.a)] = find(p.b)
    groups = defaultdict(list)
    for x in list(parent):
        groups[find(x)].append(x)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))
