"""The registry at a git revision: the one reader of its past, for `ssj verify` (the tables as
committed), the public mirror and history (each revision, to be redacted) and the immutability
rule (the committed draw files).
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import git

from shuangsuiji.core.errors import Problem
from shuangsuiji.registry.layout import match
from shuangsuiji.registry.load import Registry, assemble, load_registry, read_file


@dataclass(frozen=True)
class RegistryRepo:
    """A registry folder inside a git repository."""

    repo: git.Repo
    rel: str  # the registry folder, relative to the work tree; "" at its top

    @classmethod
    def find(cls, root: Path) -> RegistryRepo | None:
        """The repository holding the registry folder `root`, or None outside git."""
        try:
            repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return None
        rel = root.resolve().relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
        return cls(repo, "" if rel == "." else rel)

    def path(self, rel_file: str) -> str:
        """The repository path of a registry file."""
        return f"{self.rel}/{rel_file}" if self.rel else rel_file

    def commit(self, rev: str) -> git.Commit | None:
        """The commit `rev` names, or None (no such revision, or no commit yet)."""
        try:
            return self.repo.commit(rev)
        except (git.BadName, ValueError):
            return None

    def registry_at(self, rev: str, into: Path, files: list[str] | None = None,
                    jobs: int | None = None) -> tuple[Registry, list[Problem]]:
        """The registry as it was at `rev`, written under `into` and loaded.

        Whole (`files` None), or only the given registry files, for a diff of what a commit touched:
        a file missing at `rev` is absent, and one that does not load is left out (its problems are
        returned) so that it says nothing about its records."""
        if files is None:
            buf = io.BytesIO()
            self.repo.archive(buf, rev, path=self.rel or ".")
            buf.seek(0)
            with tarfile.open(fileobj=buf) as tar:
                tar.extractall(into, filter="data")
            return load_registry(into / self.rel, jobs=jobs)
        results, problems = [], []
        for rel in files:
            rf, data = match(rel), self._blob(rev, self.path(rel))
            if data is None or rf is None:
                continue
            f = into / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(data)
            res = read_file(into, rf)
            if res.problems:
                problems.extend(res.problems)
            else:
                results.append(res)
        return assemble(into, results)[0], problems

    def draw_files_at(self, rev: str) -> dict[str, bytes] | None:
        """{registry-relative path: bytes} of every draw-folder file at `rev`; None if nothing is committed."""
        commit = self.commit(rev)
        if commit is None:
            return None
        try:
            tree = commit.tree / self.rel if self.rel else commit.tree
        except KeyError:
            return None
        out = {}
        for dept in tree.trees:
            try:
                draws = dept / "draws"
            except KeyError:
                continue
            if draws.type != "tree":  # a file named draws: nothing committed as a draw
                continue
            for blob in draws.traverse():
                if blob.type == "blob":
                    out[f"{dept.name}/draws/{blob.path.split('/draws/', 1)[1]}"] = blob.data_stream.read()
        return out

    def file_at(self, rev: str, rel_file: str) -> bytes | None:
        """The bytes of a registry file at `rev`; None if it was not there (or `rev` names nothing)."""
        return self._blob(rev, self.path(rel_file))

    def _blob(self, rev: str, path: str) -> bytes | None:
        try:
            _, kind, _, data = self.repo.git.get_object_data(f"{rev}:{path}")  # git's persistent cat-file --batch
            return data if kind == b"blob" else None  # a folder is no file
        except (git.GitCommandError, ValueError):
            return None
