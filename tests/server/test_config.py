"""c.PyLearn refuses settings that would send files or requests somewhere unintended."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from pylearn_jupyter.server.config import PyLearn


@pytest.mark.parametrize("folder", ["../outside", "/abs/path", "a/../../b", "", "./.."])
def test_a_workspace_folder_outside_root_dir_is_refused(folder):
    with pytest.raises(TraitError, match="relative folder inside"):
        PyLearn(workspace_folder=folder)


def test_a_workspace_folder_is_normalised():
    assert PyLearn(workspace_folder="lessons\\python/").workspace_folder == "lessons/python"


@pytest.mark.parametrize("folder", [".", "./"])
def test_the_workspace_folder_may_be_root_dir_itself(folder):
    assert PyLearn(workspace_folder=folder).workspace_folder == "."


@pytest.mark.parametrize("url", ["ftp://host", "localhost:8765", "not a url"])
def test_an_api_url_must_be_http(url):
    with pytest.raises(TraitError, match="http:// or https://"):
        PyLearn(api_url=url)


def test_an_api_url_loses_a_trailing_slash_and_api_v1():
    assert PyLearn(api_url="https://api.example.org/api/v1/").api_url == (
        "https://api.example.org")


def test_every_trait_has_help():
    traits = PyLearn.class_traits(config=True)

    assert set(traits) == {"api_url", "course_folders", "include_builtin_course",
                           "workspace_folder", "proxy_timeout"}
    assert all(trait.help for trait in traits.values())
