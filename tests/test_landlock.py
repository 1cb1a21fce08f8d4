"""The path pruning shared by the grading worker and the course kernel."""

from grading_tests import confine as _landlock


def test_prune_cuts_out_excluded_folders_and_keeps_their_siblings(tmp_path):
    (tmp_path / "site" / "numpy").mkdir(parents=True)
    (tmp_path / "site" / "grading_tests").mkdir()
    (tmp_path / "site" / "module.py").write_text("")
    (tmp_path / "other").mkdir()
    granted = _landlock.prune([tmp_path / "site", tmp_path / "other"], [tmp_path / "site" / "grading_tests"])
    assert sorted(granted) == sorted(
        str(p.resolve()) for p in (tmp_path / "site" / "numpy", tmp_path / "site" / "module.py", tmp_path / "other")
    )


def test_prune_keeps_a_root_named_inside_an_excluded_folder(tmp_path):
    """The course kernel excludes the course root but must read the .venv in it."""
    (tmp_path / "course" / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / "course" / "source").mkdir()
    granted = _landlock.prune([tmp_path / "course", tmp_path / "course" / ".venv" / "lib"], [tmp_path / "course"])
    assert granted == [str((tmp_path / "course" / ".venv" / "lib").resolve())]


def test_prune_keeps_roots_that_hold_nothing_excluded(tmp_path):
    (tmp_path / "lib").mkdir()
    assert _landlock.prune([tmp_path / "lib", tmp_path / "missing"], [tmp_path / "elsewhere"]) == [str((tmp_path / "lib").resolve())]


def test_course_kernel_can_read_its_libraries_when_the_venv_is_inside_the_course(tmp_path):
    """`make` puts .venv inside the course root, which the kernel may not read."""
    import importlib.util
    import sysconfig
    from pathlib import Path

    launcher = Path(_landlock.__file__).parent / "kernel" / "rn-ch06-confine" / "launcher.py"
    spec = importlib.util.spec_from_file_location("launcher", launcher)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    course_root = Path(_landlock.__file__).resolve().parent.parent
    granted = module.readable_roots([str(course_root / "grading_tests"), str(course_root / "reference_impl"), str(course_root)])["read"]
    site_packages = sysconfig.get_paths()["purelib"]
    assert any(_landlock.inside(site_packages, g) for g in granted), granted
    assert not any(_landlock.inside(course_root / "source", g) for g in granted)
    assert not any(_landlock.inside(course_root / "reference_impl", g) for g in granted)
