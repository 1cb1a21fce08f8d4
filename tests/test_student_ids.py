"""Student ids: the safe set, the escaping, derived file names and the value nbgrader is given."""

import glob
import os
import unicodedata

import pytest
from traitlets.config.loader import KVArgParseConfigLoader

from grading_tests.nbgrader_plugin.student_ids import MAX_CHARS, file_name, nbgrader_value, printable, refusal, shown

SAFE = [
    "--help", "-force", "jean dupont", "élève", "Œdipe", "a" * MAX_CHARS, "anomalies.txt", "jean.dupont@univ.fr",
    "O'Brien", "12345", "Jean-Pierre_2+1", "a$b", "a\\b", "a%b", "{x}", '"q"', "'q'", "Иван", "аdmin", "x",
]
REFUSED = [
    "", "eleve[1]", "a*b", "a?b", "~root", "a~b", "a\nb", "a\x1b[2Jb", "a\rb", "a\tb", "a\x7fb", "a\u202eb", "a\u200bb",
    "a\u00a0b", "x ", " y", ".cache", "b" * (MAX_CHARS + 1), unicodedata.normalize("NFD", "élève"), "x\udc80",
]


@pytest.mark.parametrize("student", SAFE)
def test_the_safe_set_holds_what_stock_nbgrader_grades_and_people_are_called(student):
    assert refusal(student) is None


@pytest.mark.parametrize("student", REFUSED)
def test_ids_outside_the_safe_set_are_refused_with_a_reason_printed_escaped(student):
    why = refusal(student)
    assert why and all(ch.isprintable() for ch in why), why


def test_printing_is_injective_and_shows_no_control_character():
    ids = SAFE + REFUSED + ["a?b", "a\x1bb", "a\\x1bb", "a\\\\x1bb", "x", "x\\x20", "admin", "élève", "e\u0301le\u0300ve"]
    printed = [shown(s) for s in ids]
    assert len(set(printed)) == len(set(ids))
    assert all(ch.isprintable() for text in printed for ch in text)
    assert shown("аdmin") != "admin" and shown("x ") != shown("x")  # Cyrillic а, a space at the end
    assert shown("jean dupont") == "jean dupont" and shown("élève") == "élève"
    assert printable("ligne\r\x1b[2Kfausse") == "ligne\\x0d\\x1b[2Kfausse"


def test_derived_file_names_are_bounded_distinct_and_never_an_id():
    ids = SAFE + REFUSED[1:] + ["A" * 255, "é" * 120, "-" * 10, "." * 3]
    names = [file_name(s) for s in ids]
    assert len(set(names)) == len(set(ids))
    for student, name in zip(ids, names):
        assert 0 < len(f".{name}.log.tmp".encode()) <= 255 and "/" not in name and not name.startswith((".", "-"))
        assert name == student or ("~" in name and refusal(name) is not None)
    assert file_name("eleve_correct") == "eleve_correct"


def _parsed(value):
    """``--student=<value>`` as nbgrader's command line (traitlets) reads it."""
    config = KVArgParseConfigLoader(["--student=" + value], aliases={"student": "CourseDirectory.student_id"}).load_config()
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=config).student_id


@pytest.mark.parametrize("student", SAFE + ["eleve[1]", "a*b", "~root", "x ", " y", "a\nb"])
def test_the_value_given_to_nbgrader_finds_exactly_that_folder(tmp_path, student):
    for name in {student, "eleve1", "aXb", "x", "y", "a"}:
        (tmp_path / name).mkdir(exist_ok=True)
    value = _parsed(nbgrader_value(student))
    assert glob.glob(os.path.join(glob.escape(str(tmp_path)), value)) == [str(tmp_path / student)]
