"""The shipped integrations, checked by their ecosystems' own tools, exactly as shipped.

actionlint (with shellcheck) and zizmor on the action and the example workflow, the vendored
JSON Schemas of GitHub Actions, workflows and GitLab CI (check-jsonschema), pre-commit's
`try-repo` on every hook, and the release artefacts (build, twine, pyroma).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from signoff.errors import SignoffError
from signoff.review.actions import EventBase, event_base, resolve
from tests.gitrepo import GitRepo
from tests.tools import ROOT, tool

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "examples" / "github" / "signoff.yml"
GITLAB = ROOT / "examples" / "gitlab" / "signoff.gitlab-ci.yml"


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, f"{' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text("utf-8"))


# -- GitHub Actions -------------------------------------------------------------------------


def test_actionlint_with_shellcheck() -> None:
    shellcheck = tool("shellcheck")
    run(tool("actionlint"), "-shellcheck", shellcheck, "-oneline", str(WORKFLOW))


def test_zizmor_offline() -> None:
    run(
        tool("zizmor"),
        "--offline",
        "--no-progress",
        "--persona",
        "pedantic",
        str(ACTION),
        str(WORKFLOW),
    )


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-actions", ACTION),
        ("vendor.github-workflows", WORKFLOW),
        ("vendor.gitlab-ci", GITLAB),
    ],
)
def test_files_match_their_platform_schema(schema: str, path: Path) -> None:
    run(tool("check-jsonschema"), "--builtin-schema", schema, str(path))


def _steps() -> list[tuple[str, dict[str, Any]]]:
    action = [("action.yml", s) for s in load(ACTION)["runs"]["steps"]]
    jobs = load(WORKFLOW)["jobs"].values()
    return action + [("workflow", s) for job in jobs for s in job["steps"]]


def test_composite_steps_pass_shellcheck(tmp_path: Path) -> None:
    """actionlint checks workflows' shell, not a composite action's: shellcheck does here."""
    shellcheck = tool("shellcheck")
    for i, (_, step) in enumerate(s for s in _steps() if s[0] == "action.yml"):
        if "run" in step:
            script = tmp_path / f"step{i}.sh"
            script.write_text("#!/bin/bash\nset -eo pipefail\n" + step["run"], "utf-8")
            # as actionlint runs it: variables set by `env:` are not visible to shellcheck
            run(shellcheck, "--shell=bash", "--exclude=SC2154", str(script))


def test_gitlab_script_passes_shellcheck_and_fails_on_http_errors(tmp_path: Path) -> None:
    job = load(GITLAB)["signoff"]
    script = "\n".join(job["script"])
    target = tmp_path / "gitlab.sh"
    target.write_text("#!/bin/bash\nset -eo pipefail\n" + script, "utf-8")
    run(tool("shellcheck"), "--shell=bash", "--exclude=SC2154", str(target))
    calls = re.findall(r"curl [^\n]*", script)
    assert len(calls) == 5 and all("--fail" in c for c in calls), calls
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert "--codequality gl-code-quality-report.json" in script
    assert "/notes" in script and "<!-- signoff:check -->" in script
    assert "pip install --quiet signoff" not in script  # never an unpinned name


def test_no_template_in_shell_and_actions_pinned_by_commit() -> None:
    text = ACTION.read_text("utf-8") + WORKFLOW.read_text("utf-8")
    for where, step in _steps():
        assert "${{" not in step.get("run", ""), f"{where}: {step.get('name')}: use env"
        uses = step.get("uses", "")
        if uses and not uses.startswith("./"):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), uses
            assert re.search(re.escape(uses) + r" # v\d+\.\d+\.\d+", text), f"{uses}: version?"
    install = next(s for w, s in _steps() if s.get("name", "").startswith("Install Signoff"))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # never a package name from an index


def test_workflow_permissions_and_credentials() -> None:
    wf = load(WORKFLOW)
    assert wf["permissions"] == {}
    triggers = set(wf[True] if True in wf else wf["on"])
    assert {"pull_request", "pull_request_review", "merge_group"} <= triggers
    for job in wf["jobs"].values():
        assert set(job["permissions"]) <= {
            "contents",
            "pull-requests",
            "security-events",
            "actions",
        }
        assert job["permissions"]["contents"] == "read"
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["persist-credentials"] is False
        text = WORKFLOW.read_text("utf-8")
        assert text.count("gh api --paginate") >= 2  # reviews and commits: every page
        for name in ("Upload SARIF", "Post or update"):
            step = next(s for s in job["steps"] if s.get("name", "").startswith(name))
            assert "FORK != 'true'" in step["if"] and "!= ''" in step["if"]


def _event(tmp_path: Path, doc: dict[str, Any]) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(doc), "utf-8")
    return {"GITHUB_EVENT_PATH": str(path)}


def test_event_base_from_every_pull_request_event(tmp_path: Path) -> None:
    pull = {"pull_request": {"number": 3, "base": {"ref": "release/1.x", "sha": "a" * 40}}}
    for name in ("pull_request_review", "pull_request_target", "pull_request"):
        env = {**_event(tmp_path, {"action": "submitted", **pull}), "GITHUB_EVENT_NAME": name}
        assert resolve(env) == EventBase("release/1.x", "a" * 40)
    group = {"merge_group": {"base_ref": "refs/heads/main", "base_sha": "b" * 40}}
    assert resolve(_event(tmp_path, group)) == EventBase("main", "b" * 40)
    assert event_base({}, {"GITHUB_BASE_REF": "dev"}) == EventBase("dev")
    given = {**_event(tmp_path, group), "INPUT_BASE": "refs/heads/stable"}
    assert resolve(given) == EventBase("stable")
    with pytest.raises(SignoffError, match="push has no base branch"):
        resolve({**_event(tmp_path, {"ref": "refs/heads/main"}), "GITHUB_EVENT_NAME": "push"})


def test_event_base_step_output(tmp_path: Path) -> None:
    env = {**os.environ, **_event(tmp_path, {"merge_group": {"base_ref": "refs/heads/main"}})}
    out = run(sys.executable, "-m", "signoff.review.actions", env=env)
    assert out == "ref=main\nsha=\n"
    bad = subprocess.run(
        [sys.executable, "-m", "signoff.review.actions"],
        capture_output=True,
        text=True,
        env={**os.environ, **_event(tmp_path, {"ref": "x"}), "GITHUB_EVENT_NAME": "push"},
    )
    assert bad.returncode == 2 and "fix:" in bad.stderr and not bad.stdout


# -- pre-commit -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """This project as a committed repository (uncommitted work included), and a pre-commit
    home shared by the try-repo runs, so the hooks' environment is built once."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    target = tmp_path_factory.mktemp("hooks") / "signoff"
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    run("git", "init", "-q", "-b", "main", cwd=target)
    run("git", "add", "-A", cwd=target)
    run("git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot", cwd=target, env=env)
    sha = run("git", "rev-parse", "HEAD", cwd=target).strip()
    return target, sha, tmp_path_factory.mktemp("pre-commit-home")


def test_manifest_documents_the_hook_types() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8")
    assert "--hook-type pre-commit --hook-type commit-msg --hook-type post-commit" in text
    hooks = YAML(typ="safe").load(text)
    assert {h["id"]: h["stages"] for h in hooks} == {
        "signoff-provenance": ["commit-msg"],
        "signoff-note": ["post-commit"],
        "signoff-check": ["pre-commit"],
    }
    assert all(h["minimum_pre_commit_version"] for h in hooks)


def test_every_hook_runs_with_try_repo(repo: GitRepo, hooks_repo: tuple[Path, str, Path]) -> None:
    source, sha, home = hooks_repo
    pre_commit = tool("pre-commit")
    # PIP_NO_COMPILE: the environments are thrown away; byte-compiling them is wasted time
    env = {**repo.env, "PRE_COMMIT_HOME": str(home), "CLAUDECODE": "1", "PIP_NO_COMPILE": "1"}

    def try_repo(hook: str, *args: str) -> subprocess.CompletedProcess[str]:
        # each stage in its own copy: git's index.lock would make concurrent runs in one
        # repository fail at random
        where = repo.path.parent / f"try-{hook}"
        shutil.copytree(repo.path, where, symlinks=True)
        return subprocess.run(
            [pre_commit, "try-repo", str(source), hook, "--ref", sha, *args],
            cwd=where,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )

    # Each try-repo builds the hooks' environment afresh (its store is a temporary directory),
    # so the three stages run at once, on a repository prepared for all three.
    repo.commit("base\n", {"README.md": "readme\n"})
    repo.commit("an AI change\n", {"a.py": "a = 1\n"})
    repo.write("odd name\twith tab.py", "def f():\n    return 1\n")
    repo.write("spaced 'quoted' ünï.py", "x = 1\n")
    repo.git("add", "-A")
    message = repo.path.parent / "MSG"
    message.write_text("Add odd files\n", "utf-8")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        staged_run = pool.submit(try_repo, "signoff-check", "--verbose")
        trailers_run = pool.submit(
            try_repo,
            "signoff-provenance",
            "--hook-stage",
            "commit-msg",
            "--commit-msg-filename",
            str(message),
        )
        note_run = pool.submit(try_repo, "signoff-note", "--hook-stage", "post-commit")
    staged, trailers, note = staged_run.result(), trailers_run.result(), note_run.result()
    assert staged.returncode == 0, staged.stdout + staged.stderr
    assert "signoff check: PASS" in staged.stdout and "2 file(s)" in staged.stdout
    assert trailers.returncode == 0, trailers.stdout + trailers.stderr
    assert "AI-Assisted: claude-code" in message.read_text("utf-8")
    assert note.returncode == 0, note.stdout + note.stderr
    noted = repo.path.parent / "try-signoff-note"
    doc = json.loads(
        subprocess.run(
            ["git", "notes", "--ref", "signoff", "show", "HEAD"],
            cwd=noted,
            capture_output=True,
            text=True,
            check=True,
            env=repo.env,
        ).stdout
    )
    assert doc["schema"] == "signoff/provenance/v1"


# -- release --------------------------------------------------------------------------------


def test_release_artefacts(tmp_path: Path) -> None:
    """What `make release` checks, without build isolation so it needs no network."""
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "-o", str(dist))
    artefacts = sorted(str(p) for p in dist.iterdir())
    run(tool("twine"), "check", "--strict", *artefacts)
    rating = run(tool("pyroma"), "--quiet", "--directory", str(ROOT))
    assert rating.strip().splitlines()[-1] == "10", rating
    [wheel] = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(next(n for n in names if n.endswith("dist-info/METADATA"))).decode()
        schemas = {Path(n).name for n in names if n.startswith("signoff/schemas/")}
    shipped = {p.name for p in (ROOT / "docs" / "schemas").glob("*.json")}
    assert schemas == shipped
    assert "License-Expression: Apache-2.0" in meta
    licence = (ROOT / "LICENSE").read_text("utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    assert any(n.endswith("licenses/LICENSE") for n in names)
    version = re.search(r"^Version: (.+)$", meta, re.M)
    import signoff

    assert version and version.group(1) == signoff.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert "## [Unreleased]" in changelog and f"## [{signoff.__version__}]" in changelog
    assert "git tag -s vX.Y.Z" in (ROOT / "RELEASING.md").read_text("utf-8")
