"""Hostile submissions: each earns only what it honestly implements.

An attack file lists in ``# honest:`` the functions it really implements
(full marks), and in ``# fraction: name=share`` any other share it honestly
earns. Every other function must score 0, even where its returned value has
the right type and shape; the report must still cover every function, and
the course's own files must be left as they were.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from bank_cases import cases, headers, seed_for

from grading_tests.runner import function_names, grade_submission

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = function_names()


def _names(path, key):
    return {n.strip() for value in headers(path, key) for n in value.split(",") if n.strip()}


def _course_fingerprint():
    digest = hashlib.sha256()
    for folder in ("grading_tests", "reference_impl"):
        for path in sorted((ROOT / folder).rglob("*")):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(ROOT)).encode())
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("path", cases("attacks"))
def test_attack_earns_only_honest_points(path):
    honest = _names(path, "honest")
    fractions = {k.strip(): float(v) for k, _, v in (p.partition("=") for p in _names(path, "fraction"))}
    before = _course_fingerprint()
    report = grade_submission(path, seed=seed_for(path))
    assert set(report["functions"]) == set(FUNCTIONS)
    for name, result in report["functions"].items():
        if name in honest:
            expected = result["max_score"]
        elif name in fractions:
            expected = round(result["max_score"] * fractions[name], 4)
        else:
            expected = 0.0
        assert result["score"] == expected, f"{name}: {result['feedback']}"
    assert _course_fingerprint() == before, "the submission changed the course's files"


def test_cli_prints_exactly_one_json_object_despite_fake_output():
    attack = ROOT / "tests" / "bank" / "attacks" / "fake_output.py"
    completed = subprocess.run(
        [sys.executable, "-m", "grading_tests", str(attack), "--json", "--seed", "5", "--only", "relu,sigmoid"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    report = json.loads(completed.stdout)  # fails on any extra output
    assert report["seed"] == 5
    assert report["functions"]["relu"]["score"] == report["functions"]["relu"]["max_score"]
    assert report["functions"]["sigmoid"]["score"] == 0
    assert report["score"] == report["functions"]["relu"]["max_score"]


def test_ready_made_network_is_refused_with_a_reason():
    attack = ROOT / "tests" / "bank" / "attacks" / "hidden_ready_made_network.py"
    result = grade_submission(attack, seed=1, names=["train_digits_model"])["functions"]["train_digits_model"]
    assert result["score"] == 0
    assert "sklearn.neural_network" in " ".join(result["feedback"])
