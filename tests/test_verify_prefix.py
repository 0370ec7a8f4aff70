"""A large draw's record publishes prefixes of ranked(x) (verifier.record_ranked); both verifiers check them.

The worked example is far below the size at which prefixes start, so the thresholds are lowered here:
the record then holds each ranked(x) only through its last initially assigned inspector.
"""

from __future__ import annotations

import json

import pytest

import shuangsuiji.draw.verifier as verifier
from test_draw_registry import folder
from test_verify import draw_with_recusal, verify


@pytest.fixture
def prefixed(tmp_path, monkeypatch):
    monkeypatch.setattr(verifier, "RANKED_WHOLE_PAIRS", 0)
    monkeypatch.setattr(verifier, "RANKED_MARGIN", 0)
    return draw_with_recusal(tmp_path / "reg", slot=0)


def test_record_holds_prefixes_through_the_last_assigned(prefixed):
    record = json.loads((folder(prefixed) / "record.json").read_text("utf-8"))
    assert record["ranked_prefix"] == 0
    for x, team in record["initial_assignments"].items():
        assert record["ranked"][x][-1] in team  # ends with an assigned inspector
    assert any(len(v) < 4 for v in record["ranked"].values())  # shorter than the whole list of 4


def test_prefixes_pass_both_verifiers_and_tampering_fails(prefixed, tmp_path, capsys):
    code, out = verify(capsys, "--all", "--registry", str(prefixed))
    assert code == 0 and "FAIL" not in out, out
    record = json.loads((folder(prefixed) / "record.json").read_text("utf-8"))
    public = {k: v for k, v in record.items() if k != "private"}
    path = tmp_path / "public.json"
    path.write_text(json.dumps(public, ensure_ascii=False), "utf-8")
    code, out = verify(capsys, "--public", str(path))
    assert code == 0 and "ranked(x) published as prefixes" in out, out
    assert "replacements stand beyond the published prefix" in out  # the recusal's replacement: SCJG-0004
    x = next(x for x, v in sorted(public["ranked"].items()) if len(v) >= 2)
    for bad in (public["ranked"][x][::-1], public["ranked"][x][:-1]):  # swapped; cut before the last assigned
        path.write_text(json.dumps({**public, "ranked": {**public["ranked"], x: bad}}, ensure_ascii=False), "utf-8")
        code, out = verify(capsys, "--public", str(path))
        assert code == 1 and f"ranked.{x}" in out, bad
