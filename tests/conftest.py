"""Shared test set-up: make tests/ importable helpers (registry_fixture) available, and build the
example site once per session for every module that reads it (site build, browser, search)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def example_site(tmp_path_factory):
    """The small registry with one real draw and its built site (site_build_fixture); read-only."""
    from site_build_fixture import build_example

    return build_example(tmp_path_factory.mktemp("example"))
