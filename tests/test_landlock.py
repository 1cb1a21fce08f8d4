"""The path pruning shared by the grading worker and the course kernel."""

from grading_tests import _landlock


def test_prune_cuts_out_excluded_folders_and_keeps_their_siblings(tmp_path):
    (tmp_path / "site" / "numpy").mkdir(parents=True)
    (tmp_path / "site" / "grading_tests").mkdir()
    (tmp_path / "site" / "module.py").write_text("")
    (tmp_path / "other").mkdir()
    granted = _landlock.prune([tmp_path / "site", tmp_path / "other"], [tmp_path / "site" / "grading_tests"])
    assert sorted(granted) == sorted(
        str(p.resolve()) for p in (tmp_path / "site" / "numpy", tmp_path / "site" / "module.py", tmp_path / "other")
    )


def test_prune_drops_a_root_inside_an_excluded_folder(tmp_path):
    (tmp_path / "course" / "reference_impl").mkdir(parents=True)
    assert _landlock.prune([tmp_path / "course" / "reference_impl"], [tmp_path / "course"]) == []


def test_prune_keeps_roots_that_hold_nothing_excluded(tmp_path):
    (tmp_path / "lib").mkdir()
    assert _landlock.prune([tmp_path / "lib", tmp_path / "missing"], [tmp_path / "elsewhere"]) == [str((tmp_path / "lib").resolve())]
