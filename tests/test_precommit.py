"""The pre-commit hook (.pre-commit-hooks.yaml), run for real: ``pre-commit install``, then ``git commit``.

Which code the hook runs: pre-commit installs a hook repository from a git commit, so pointing
``repo:`` at this checkout with ``rev: HEAD`` would test the last commit, not the working tree
(and before the hook file is first committed, nothing at all). ``pre-commit try-repo`` is no way
out: it adds tracked changes but not new, untracked files, it builds the hook environment afresh
in a throw-away store on every call (ignoring PRE_COMMIT_HOME), and it runs the hook on files
given to it rather than through a commit. So the module copies the working tree (tracked and
untracked files, less what .gitignore ignores: exactly what ``git ls-files`` lists) into a
temporary repository, commits it there, and uses that commit as the hook repository's ``rev``.
On a clean clone (CI) this is the checkout's HEAD; locally it includes work not yet committed.

The hook environment (a virtualenv with jointgov installed, compiling durable-rules: needs gcc
and PyPI) is built once for the module, in a PRE_COMMIT_HOME shared by its tests. There is
deliberately no switch to skip this module (JOINTGOV_SKIP_PRECOMMIT_TEST has no effect): it runs
wherever the suite runs, CI included. Deselect it by hand (``-k 'not precommit'``) if you must.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROTOCOLS, ROOT

HOOK_ARGS = ["--as-of", "2026-11-23"]
FAILING = PROTOCOLS / "barking-dagenham-2001.yaml"
CLEAN = PROTOCOLS / "barking-dagenham-remediated.yaml"

pytestmark = pytest.mark.slow  # the real pre-commit, git and a built hook environment: CI and pytest -m slow


@dataclass(frozen=True)
class HookRepo:
    """The hook repository (a committed copy of the working tree) and the environment to run pre-commit in."""

    path: Path
    rev: str
    env: dict[str, str]
    build_seconds: float


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command, stdout and stderr together (the order a person would see them in)."""
    return subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, check=False)


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    done = _run(["git", *args], repo, env)
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stdout}"
    return done.stdout.strip()


def _git_init(repo: Path, env: dict[str, str]) -> None:
    _git(repo, env, "init", "-q", "-b", "main")
    _git(repo, env, "config", "user.name", "jointgov tests")
    _git(repo, env, "config", "user.email", "tests@jointgov.invalid")
    _git(repo, env, "config", "commit.gpgsign", "false")


def _pre_commit(*args: str) -> list[str]:
    return [sys.executable, "-m", "pre_commit", *args]


def _isolated_env(pre_commit_home: Path) -> dict[str, str]:
    """This environment without anything that would change what git or pre-commit do, and a private store."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in {"SKIP", "NO_COLOR"}}
    env.update(PRE_COMMIT_HOME=str(pre_commit_home), PRE_COMMIT_COLOR="never", NO_COLOR="1",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
    return env


def _snapshot(destination: Path, env: dict[str, str]) -> str:
    """Copy the checkout's working tree (as ``git ls-files`` sees it) to *destination* and commit it there."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            env=env, capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if not source.is_file() and not source.is_symlink():  # deleted but not yet staged
            continue
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination / name, follow_symlinks=False)
    assert (destination / ".pre-commit-hooks.yaml").is_file(), "the checkout has no .pre-commit-hooks.yaml"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False).stdout.strip() or "(no commit)"
    _git_init(destination, env)
    _git(destination, env, "add", "-A")
    _git(destination, env, "commit", "-q", "--no-verify", "-m", f"working tree of jointgov at {head}")
    return _git(destination, env, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """The hook repository, with its environment built once for the module."""
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is not installed: install the test extras (pip install -e '.[test]')", pytrace=False)
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = _isolated_env(home)
    hook_path = tmp_path_factory.mktemp("hook-repo")
    rev = _snapshot(hook_path, env)
    # build the hook environment now, once, so that a failure to build is reported as such
    scratch = tmp_path_factory.mktemp("build")
    _git_init(scratch, env)
    _write_config(scratch, hook_path, rev)
    started = time.monotonic()
    built = _run(_pre_commit("install-hooks"), scratch, env, timeout=900)
    seconds = time.monotonic() - started
    if built.returncode != 0:
        log = home / "pre-commit.log"
        pytest.fail(f"building the hook environment failed (needs gcc and PyPI):\n{built.stdout}\n"
                    f"{log.read_text() if log.exists() else ''}", pytrace=False)
    return HookRepo(hook_path, rev, env, seconds)


def _write_config(repo: Path, hook_path: Path, rev: str) -> None:
    config = {"repos": [{"repo": str(hook_path), "rev": rev,
                         "hooks": [{"id": "jointgov", "args": HOOK_ARGS, "verbose": True}]}]}
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Repo:
    """A repository using the hook, with ``pre-commit install`` done and its config committed."""

    path: Path
    env: dict[str, str]

    def git(self, *args: str) -> str:
        return _git(self.path, self.env, *args)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def add(self, source: Path, name: str | None = None) -> str:
        name = name or source.name
        shutil.copyfile(source, self.path / name)
        self.git("add", name)
        return name

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        """``git commit``, which runs the installed hook as any commit would."""
        return _run(["git", "commit", "-m", message], self.path, self.env, timeout=300)


@pytest.fixture()
def repo(tmp_path: Path, hook_repo: HookRepo) -> Iterator[Repo]:
    path = tmp_path / "agreements"
    path.mkdir()
    _git_init(path, hook_repo.env)
    _write_config(path, hook_repo.path, hook_repo.rev)
    installed = _run(_pre_commit("install"), path, hook_repo.env)
    assert installed.returncode == 0, installed.stdout
    assert (path / ".git" / "hooks" / "pre-commit").is_file()
    made = Repo(path, hook_repo.env)
    made.git("add", ".pre-commit-config.yaml")
    # the hook runs, and leaves out the dot-file (it is YAML but not an agreement)
    first = made.commit("pre-commit configuration")
    assert first.returncode == 0, first.stdout
    assert "jointgov" in first.stdout and "(no files to check)" in first.stdout, first.stdout
    yield made


def test_hook_environment_built_once(hook_repo: HookRepo) -> None:
    """The environment exists in the shared store (its build time is in the test report with -rA)."""
    print(f"hook environment built in {hook_repo.build_seconds:.1f} s")
    assert any((Path(hook_repo.env["PRE_COMMIT_HOME"])).glob("repo*/py_env-*"))


def test_commit_with_a_failing_agreement_is_refused(repo: Repo) -> None:
    before = repo.head()
    name = repo.add(FAILING)
    done = repo.commit("add the 2001 agreement")
    assert done.returncode != 0, done.stdout
    assert repo.head() == before, "the commit was made although the hook failed"
    assert f"{name}:118:5: error: JG104" in done.stdout, done.stdout
    assert "jointgov" in done.stdout and "Failed" in done.stdout
    assert name in repo.git("diff", "--cached", "--name-only")  # still staged, for the author to fix


def test_commit_with_a_clean_agreement_passes(repo: Repo) -> None:
    before = repo.head()
    name = repo.add(CLEAN)
    done = repo.commit("add the remediated agreement")
    assert done.returncode == 0, done.stdout
    assert repo.head() != before
    assert repo.git("show", "--name-only", "--format=", "HEAD") == name
    assert "no findings in 1 file" in done.stdout, done.stdout
    assert "Passed" in done.stdout


def test_only_the_changed_files_are_checked(repo: Repo) -> None:
    """A failing agreement already committed, and unchanged, does not block a commit of another file."""
    failing = repo.add(FAILING)
    forced = _run(["git", "commit", "-q", "--no-verify", "-m", "the 2001 agreement, as found"], repo.path, repo.env)
    assert forced.returncode == 0, forced.stdout
    before = repo.head()
    clean = repo.add(CLEAN)
    done = repo.commit("add the remediated agreement")
    assert done.returncode == 0, done.stdout
    assert repo.head() != before
    assert "no findings in 1 file" in done.stdout, done.stdout
    assert failing not in done.stdout
    # and changing the failing one again is caught
    with (repo.path / failing).open("a", encoding="utf-8") as stream:
        stream.write("# reviewed\n")
    repo.git("add", failing)
    (repo.path / clean).write_text((repo.path / clean).read_text(encoding="utf-8") + "# reviewed\n",
                                   encoding="utf-8")
    repo.git("add", clean)
    refused = repo.commit("review both")
    assert refused.returncode != 0
    assert f"{failing}:118:5: error: JG104" in refused.stdout
    assert repo.head() != before and repo.git("log", "-1", "--format=%s") == "add the remediated agreement"


# The README's snippet, verbatim, in a repository that also holds other YAML

README = ROOT / "README.md"
SNIPPET_MARK = "<!-- pre-commit-snippet -->\n```yaml\n"
MKDOCS = "site_name: Partnership agreements\nnav:\n  - Home: index.md\n"
WORKFLOW = """\
name: agreements
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""
SHORTER_NOTICE = ("  notice_days: 365\n", "  notice_days: 180\n")
VARIATION = """\
variations:
  - clause: exit.notice_days
    from: 365
    to: 180
    reason: Both parties want a shorter notice period now that the services are stable.
    agreed_by: partnership-board
    agreed_on: 2026-10-01
    minute: Partnership board minute 2026/14
"""


def readme_snippet() -> str:
    """The pre-commit configuration the README tells users to copy, exactly as it is written there."""
    text = README.read_text(encoding="utf-8")
    assert text.count(SNIPPET_MARK) == 1, "the README's pre-commit snippet lost its marker"
    return text.split(SNIPPET_MARK, 1)[1].split("```", 1)[0]


@pytest.fixture()
def readme_repo(tmp_path: Path, hook_repo: HookRepo) -> Iterator[Repo]:
    """A repository of agreements with mkdocs.yml and a workflow, using the README's snippet as the README says:
    copied with the address of jointgov in ``repo:`` (the one thing a user fills in), then ``pre-commit
    autoupdate`` and ``pre-commit install``."""
    path = tmp_path / "partnership"
    (path / ".github" / "workflows").mkdir(parents=True)
    _git_init(path, hook_repo.env)
    snippet = readme_snippet()
    address = next(line.split("repo:", 1)[1].split("#", 1)[0].strip() for line in snippet.splitlines()
                   if "repo:" in line)
    assert snippet.count(address) == 1
    (path / ".pre-commit-config.yaml").write_text(snippet.replace(address, str(hook_repo.path)), encoding="utf-8")
    updated = _run(_pre_commit("autoupdate"), path, hook_repo.env)
    assert updated.returncode == 0, updated.stdout
    config = (path / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert f"rev: {hook_repo.rev}" in config and "HEAD" not in config.split("rev:", 1)[1].split("#", 1)[0], config
    installed = _run(_pre_commit("install"), path, hook_repo.env)
    assert installed.returncode == 0, installed.stdout
    made = Repo(path, hook_repo.env)
    (path / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    (path / ".github" / "workflows" / "agreements.yml").write_text(WORKFLOW, encoding="utf-8")
    made.git("add", ".pre-commit-config.yaml", "mkdocs.yml", ".github/workflows/agreements.yml")
    first = made.commit("site and workflow")
    assert first.returncode == 0, first.stdout
    yield made


def test_readme_snippet_skips_other_yaml_and_says_so(readme_repo: Repo) -> None:
    """mkdocs.yml and the workflow did not stop the first commit; asked, the hook says why mkdocs.yml was skipped
    (the workflow, under .github/, is never passed to it)."""
    assert readme_repo.git("show", "--name-only", "--format=", "HEAD").splitlines() == [
        ".github/workflows/agreements.yml", ".pre-commit-config.yaml", "mkdocs.yml"]
    asked = _run(_pre_commit("run", "jointgov", "--verbose", "--files", "mkdocs.yml",
                             ".github/workflows/agreements.yml"), readme_repo.path, readme_repo.env)
    assert asked.returncode == 0, asked.stdout
    assert ("mkdocs.yml: skipped: not an agreement (it has no jointgov, agreement or parties key at its top level)"
            in asked.stdout), asked.stdout
    assert "no agreement checked; 1 file skipped (1 not an agreement)" in asked.stdout
    assert "agreements.yml" not in asked.stdout and "(no files to check)" not in asked.stdout


def test_readme_snippet_refuses_a_failing_agreement_and_passes_a_clean_one(readme_repo: Repo) -> None:
    before = readme_repo.head()
    failing = readme_repo.add(FAILING)
    (readme_repo.path / "mkdocs.yml").write_text(MKDOCS + "  - Agreements: agreements.md\n", encoding="utf-8")
    readme_repo.git("add", "mkdocs.yml")
    refused = readme_repo.commit("the 2001 agreement, and the site")
    assert refused.returncode != 0 and readme_repo.head() == before
    assert f"{failing}:118:5: error: JG101 protocol-before-appointment:" in refused.stdout, refused.stdout
    assert "mkdocs.yml: skipped: not an agreement" in refused.stdout
    readme_repo.git("reset", "-q", failing)
    (readme_repo.path / failing).unlink()
    clean = readme_repo.add(CLEAN)
    done = readme_repo.commit("the agreement as it stands today")
    assert done.returncode == 0, done.stdout
    assert readme_repo.git("show", "--name-only", "--format=", "HEAD").splitlines() == [clean, "mkdocs.yml"]


def test_readme_snippet_refuses_a_weakening_until_the_variation_is_recorded(readme_repo: Repo) -> None:
    clean = readme_repo.add(CLEAN)
    assert readme_repo.commit("the agreement as it stands today").returncode == 0
    agreement = readme_repo.path / clean
    text = agreement.read_text(encoding="utf-8")
    assert text.count(SHORTER_NOTICE[0]) == 1
    line = text.splitlines().index(SHORTER_NOTICE[0].rstrip("\n")) + 1
    agreement.write_text(text.replace(*SHORTER_NOTICE), encoding="utf-8")
    readme_repo.git("add", clean)
    before = readme_repo.head()
    refused = readme_repo.commit("shorter notice")
    assert refused.returncode != 0 and readme_repo.head() == before
    assert f"{clean}:{line}:16: weakens: exit: notice_days 365 → 180: shorter notice before a party may leave" \
        in refused.stdout, refused.stdout
    assert "jointgov diff: refused: 1 change weakens an agreement" in refused.stdout
    assert f"  - clause: exit.notice_days  # {clean}:{line}:16\n    from: 365\n    to: 180\n" in refused.stdout
    # the documented way through: the variation the parties agreed, in the same commit
    agreement.write_text(text.replace(*SHORTER_NOTICE) + VARIATION, encoding="utf-8")
    readme_repo.git("add", clean)
    done = readme_repo.commit("shorter notice, as the partnership board agreed on 2026-10-01")
    assert done.returncode == 0, done.stdout
    assert readme_repo.head() != before
    # and the record cannot be quietly removed afterwards
    agreement.write_text(text.replace(*SHORTER_NOTICE), encoding="utf-8")
    readme_repo.git("add", clean)
    removed = readme_repo.commit("tidy up")
    assert removed.returncode != 0, removed.stdout
    assert "weakens: variation exit.notice_days: removed: a variation is the parties' record" in removed.stdout
