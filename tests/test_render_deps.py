"""`deps.reached` and `deps.reached_tasks`: which company, task and results pages a change of
registry files can reach."""

from __future__ import annotations

from shuangsuiji.site.render.deps import CompanyPages, reached, reached_tasks


def _state(**files: str) -> CompanyPages:
    return CompanyPages(stamp="s", files={k.replace("__", "/").replace("_", "."): v for k, v in files.items()},
                        head=None, held={"targets/a.csv": ["A1", "A2"], "scjgj/targets/b.csv": ["B1"]},
                        tasks={"T1": ["A1", "B1"], "T2": ["A2"]})


BASE = dict(config_yaml="1", targets__a_csv="1", scjgj__targets__b_csv="1", scjgj__tasks__T1_yaml="1",
            scjgj__results__T2_yaml="1", scjgj__draws__T1__record_json="1", scjgj__items_yaml="1",
            scjgj__inspectors_yaml="1")


def test_each_kind_of_change_reaches_its_companies():
    before = _state(**BASE)
    assert reached(before, _state(**BASE), set()) == set()
    assert reached(before, _state(**{**BASE, "scjgj__results__T2_yaml": "2"}), set()) == {"A2"}
    assert reached(before, _state(**{**BASE, "scjgj__draws__T1__record_json": "2"}), set()) == {"A1", "B1"}
    assert reached(before, _state(**{**BASE, "targets__a_csv": "2"}), set()) == {"A1", "A2"}
    assert reached(before, _state(**{**BASE, "scjgj__items_yaml": "2"}), set()) == set()
    # a file commits touched, though its bytes are back to what they were (its revisions grew)
    assert reached(before, _state(**BASE), {"scjgj/tasks/T1.yaml"}) == {"A1", "B1"}


def test_a_change_of_what_every_page_shows_reaches_all():
    before = _state(**BASE)
    for key in ("config_yaml", "scjgj__inspectors_yaml"):
        assert reached(before, _state(**{**BASE, key: "2"}), set()) is None
    assert reached(before, _state(**{**BASE, "scjgj__unknown_txt": "1"}), set()) is None
    assert reached(None, _state(**BASE), set()) is None
    other = _state(**BASE)
    other.stamp = "templates changed"
    assert reached(before, other, set()) is None
    moved = _state(**BASE)
    moved.head = "abc"
    assert reached(before, moved, None) is None  # history rewritten: what commits touched is unknown


def test_tool_state_committed_by_mistake_reaches_nothing():
    assert reached(_state(**BASE), _state(**BASE), {".ssj-cache/files/0a1b.pkl", "scjgj/Thumbs.db"}) == set()


def test_each_kind_of_change_reaches_its_tasks():
    before = _state(**BASE)
    assert reached_tasks(before, _state(**BASE), set()) == set()
    assert reached_tasks(before, _state(**{**BASE, "scjgj__results__T2_yaml": "2"}), set()) == {"T2"}
    assert reached_tasks(before, _state(**{**BASE, "scjgj__draws__T1__record_json": "2"}), set()) == {"T1"}
    # a directory file reaches the tasks that name a company it holds (their pages show its name)
    assert reached_tasks(before, _state(**{**BASE, "scjgj__targets__b_csv": "2"}), set()) == {"T1"}
    assert reached_tasks(before, _state(**{**BASE, "targets__a_csv": "2"}), set()) == {"T1", "T2"}
    assert reached_tasks(before, _state(**BASE), {"scjgj/results/T2.yaml"}) == {"T2"}
    assert reached_tasks(before, _state(**BASE), {"scjgj/README.md"}) == set()


def test_names_shown_on_every_task_page_reach_all_tasks():
    before = _state(**BASE)
    for key in ("scjgj__items_yaml", "scjgj__inspectors_yaml", "config_yaml"):  # item and inspector names
        assert reached_tasks(before, _state(**{**BASE, key: "2"}), set()) is None
    feeds = _state(**BASE)
    feeds.task_stamp = "a department's first feed"
    assert reached_tasks(before, feeds, set()) is None
    assert reached_tasks(None, _state(**BASE), set()) is None
