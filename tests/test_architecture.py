"""The layers of the code (docs/architecture.md), checked on its imports."""

import architecture as arch
import pytest

GRAPH = arch.imports()


def test_every_module_has_a_layer():
    assert [m for m in GRAPH if arch.layer(m) is None] == []


def test_no_import_circle():
    assert arch.cycles(GRAPH) == []


def test_no_import_up_the_layers():
    up = [(m, t) for m, targets in GRAPH.items() for t in targets if arch.layer(t) > arch.layer(m)]
    assert up == []


def test_no_grader_imports_another_grader():
    graders = [m for m in GRAPH if m.startswith("grading_tests.graders.")]
    crossing = [(m, t) for m in graders for t in GRAPH[m] if t.startswith("grading_tests.graders") and t != m]
    assert crossing == []


def test_one_grader_file_per_reference_module():
    reference = {m.rpartition(".")[2] for m in GRAPH if m.startswith("reference_impl.")}
    graders = {m.rpartition(".")[2] for m in GRAPH if m.startswith("grading_tests.graders.")}
    assert graders - {"questions"} <= reference, sorted(graders - reference - {"questions"})


@pytest.mark.parametrize("module", sorted(arch.modules()))
def test_no_file_over_the_limit(module):
    lines = arch.modules()[module].read_text(encoding="utf-8").count("\n")
    assert lines <= arch.MAX_LINES, f"{module}: {lines} lines"


def test_the_picture_is_drawn_from_the_imports_as_they_are():
    drawn = (arch.ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    assert drawn == arch.svg(GRAPH), "run: python tests/architecture.py"


def _equation_rows():
    text = (arch.ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].isdigit():
            yield cells


def test_the_equation_table_says_where_each_equation_lives():
    import importlib
    import inspect

    from grading_tests.runner import registry

    rows = list(_equation_rows())
    assert len(rows) >= 30
    for number, _, reference, grader in rows:
        module, _, name = reference.strip("`").rpartition(".")
        function = getattr(importlib.import_module(f"reference_impl.{module}"), name)
        assert _cites(inspect.getsource(function), int(number)), (number, reference)
        if grader != "—":
            assert grader.strip("`") in registry(), grader


def _cites(source, number):
    """Whether ``source`` cites éq. ``number``, alone or in a range such as éq. 44-48."""
    import re

    for first, last in re.findall(r"éq\. (\d+)(?:[-–](\d+))?", source):
        if int(first) <= number <= int(last or first):
            return True
    return False
