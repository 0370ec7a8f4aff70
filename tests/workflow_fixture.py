"""Run a workflow file's own `run:` steps, with its `env:` blocks filled from a fake forge context.

The steps and the variables they see are read from the YAML, so a test cannot drift from the
workflow: `${{ expr }}` is evaluated against a dict standing for the forge's `github` context
(the few forms the workflows use: dotted paths, `.*.` over lists, toJSON()); any other form
fails the test instead of passing silently.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github/workflows"
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
       "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.org"}
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def git(repo: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=ENV, check=check, capture_output=True, text=True).stdout


def _lookup(ctx: dict, path: str) -> Any:
    head, *rest = path.split(".")
    assert head == "github", f"unsupported context in workflow expression: {path}"
    values, spread = [ctx], False
    for part in rest:
        if part == "*":
            values, spread = [x for v in values for x in (v or [])], True
        else:
            values = [v.get(part) if isinstance(v, dict) else None for v in values]
    return values if spread else values[0]


def evaluate(text: str, ctx: dict) -> str:
    """A workflow value with each `${{ … }}` replaced as the forge would (null and missing → "")."""
    def one(m: re.Match) -> str:
        expr = m.group(1)
        if f := re.fullmatch(r"toJSON\((.+)\)", expr):
            return json.dumps(_lookup(ctx, f.group(1)))
        assert re.fullmatch(r"[\w.*-]+", expr), f"unsupported workflow expression: {expr}"
        value = _lookup(ctx, expr)
        return "" if value is None else str(value)
    return _EXPR.sub(one, text)


def run_steps(workflow: str, job: str) -> list[dict]:
    """The job's `run:` steps in order, without the package install (the tests import this worktree)."""
    steps = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))["jobs"][job]["steps"]
    runs = [s for s in steps if "run" in s]
    installs = [s for s in runs if "pip install" in s["run"]]
    assert len(installs) == 1 and len(runs) > 1, runs
    return [s for s in runs if s is not installs[0]]


def uses(workflow: str, job: str) -> list[str]:
    steps = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))["jobs"][job]["steps"]
    return sorted({s["uses"].split("@")[0] for s in steps if "uses" in s})


def run_workflow(repo: Path, workflow: str, job: str, ctx: dict) -> subprocess.CompletedProcess:
    """Run the steps as the runner does (bash -eo pipefail, step env over the job's), stopping at the first failure."""
    out, err, code = [], [], 0
    for step in run_steps(workflow, job):
        env = {**ENV, **{k: evaluate(str(v), ctx) for k, v in (step.get("env") or {}).items()}}
        script = evaluate(step["run"], ctx)
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=repo,
                              env=env, capture_output=True, text=True)
        out.append(done.stdout)
        err.append(done.stderr)
        code = done.returncode
        if code:
            break
    return subprocess.CompletedProcess(workflow, code, "".join(out), "".join(err))


def pull_request(base_sha: str, labels: list[str]) -> dict:
    """The github context of a pull_request event."""
    return {"event_name": "pull_request", "base_ref": "main",
            "event": {"pull_request": {"base": {"sha": base_sha, "ref": "main"},
                                       "labels": [{"name": n} for n in labels]}}}


def push(before: str) -> dict:
    """The github context of a push to main."""
    return {"event_name": "push", "ref": "refs/heads/main", "event": {"before": before}}
