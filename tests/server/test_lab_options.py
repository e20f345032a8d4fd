"""How ``pylearn lab`` turns its options into JupyterLab's: workspace folder and root."""

from __future__ import annotations

import pytest

from pylearn_jupyter import lab


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(lab.WORKSPACE_ENV, raising=False)
    return tmp_path


def test_the_default_workspace_is_pylearn_in_the_home_folder_and_is_created(home):
    folder, arguments = lab.workspace_arguments(None, ["--no-browser"])

    assert folder == home / "pylearn" and folder.is_dir()
    assert arguments == [f"--ServerApp.root_dir={folder}", "--PyLearn.workspace_folder=.",
                         "--no-browser"]


def test_the_workspace_comes_from_the_option_else_the_environment(home, monkeypatch):
    monkeypatch.setenv(lab.WORKSPACE_ENV, str(home / "from-env"))

    assert lab.workspace_arguments(None, [])[0] == home / "from-env"
    assert lab.workspace_arguments("~/course", [])[0] == home / "course"


@pytest.mark.parametrize("given", [["--ServerApp.root_dir=/srv/x"], ["--notebook-dir", "/srv/x"]])
def test_an_explicit_jupyter_root_folder_is_the_workspace(home, given):
    given = [arg.replace("/srv", str(home)) for arg in given]

    folder, arguments = lab.workspace_arguments(None, ["--port", "8890", *given])

    assert folder == home / "x"
    assert arguments == [f"--ServerApp.root_dir={folder}", "--PyLearn.workspace_folder=.",
                         "--port", "8890"]


def test_a_workspace_folder_inside_it_stays_the_users_choice(home):
    _, arguments = lab.workspace_arguments(None, ["--PyLearn.workspace_folder=lessons"])

    assert arguments[1:] == ["--PyLearn.workspace_folder=lessons"]


def test_both_a_workspace_and_a_root_folder_is_one_clear_sentence(home):
    with pytest.raises(lab.LabProblem, match="either --workspace or --notebook-dir"):
        lab.workspace_arguments("a", ["--notebook-dir=b"])


def test_a_workspace_that_is_a_file_is_one_clear_sentence(home):
    (home / "pylearn").write_text("")

    with pytest.raises(lab.LabProblem, match="is a file, not a folder"):
        lab.workspace_arguments(None, [])


def test_as_root_jupyterlab_gets_allow_root_with_a_notice(monkeypatch, capsys):
    monkeypatch.setattr(lab, "running_as_root", lambda: True)

    assert lab.root_arguments(["--no-browser"]) == ["--allow-root"]
    assert "running as root" in capsys.readouterr().err
    assert lab.root_arguments(["--allow-root"]) == []
    assert lab.root_arguments(["--ServerApp.allow_root=False"]) == []


def test_not_as_root_nothing_is_added(monkeypatch, capsys):
    monkeypatch.setattr(lab, "running_as_root", lambda: False)

    assert lab.root_arguments([]) == []
    assert capsys.readouterr().err == ""
