"""Sharing refs/notes/signoff between clones without anyone losing a note.

git does not push or fetch notes by default. `signoff init` adds a fetch refspec per remote that
copies the remote's notes to `refs/notes/remotes/<remote>/signoff` (never onto the local ref, so a
fetch cannot clobber local notes; readers union both). Pushing goes the other way: the local ref
is pushed as a fast-forward; when another clone pushed first, the remote copy is fetched, merged
into the local ref with the `cat_sort_uniq` strategy (every document of both sides is kept), and
the push is retried (a few times: other clones may keep pushing first). A server that refuses
notes pushes (a pre-receive hook) is reported as such: nothing local is lost. Runs inside the
pre-push hook, so it uses the import-light git runner.
"""

from __future__ import annotations

from signoff.git.hooks import GitResult, git, swap_notes

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping

NOTES_REF = "refs/notes/signoff"
INCOMING_REF = "refs/notes/signoff-incoming"
# Set on Signoff's own notes push so the pre-push hook does not recurse into itself.
GUARD = "SIGNOFF_NOTES_PUSH"
REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "stale info")
# How a server words losing a race with a concurrent push of the same ref (not a refusal).
RACING = ("failed to update ref", "failed to lock", "cannot lock ref", "incorrect old value")
# Pushes tried when other clones keep pushing first (each after fetching and merging theirs).
PUSH_ATTEMPTS = 6


class SyncError(Exception):
    """Notes could not be shared; the message says which git step failed and why."""


def tracking_ref(remote: str) -> str:
    """Where a remote's notes are fetched to: `refs/notes/remotes/<remote>/signoff`."""
    return f"refs/notes/remotes/{remote}/signoff"


def fetch_refspec(remote: str) -> str:
    """The refspec `init` adds to `remote.<name>.fetch`.

    A pattern (`signoff*`) rather than the exact ref: with an exact ref, every plain `git fetch`
    fails with "couldn't find remote ref" until someone has pushed notes to that remote.
    """
    return f"+{NOTES_REF}*:refs/notes/remotes/{remote}/signoff*"


def push_notes(remote: str, *, cwd: str, env: Mapping[str, str]) -> dict[str, object]:
    """Push the local notes to `remote`, merging the remote's first if they diverged."""
    env = {**env, "GIT_TERMINAL_PROMPT": "0"}
    local = _rev(NOTES_REF, cwd, env)
    if local is None:
        return {"pushed": False, "reason": "no Signoff notes recorded yet"}
    tracking = tracking_ref(remote) if _is_remote(remote, cwd, env) else None
    if tracking and _rev(tracking, cwd, env) == local:
        return {"pushed": False, "reason": "the remote already has these notes", "local": local}
    return _push_with_retry(remote, tracking, cwd, env)


def sync_notes(
    remote: str | None, *, cwd: str, env: Mapping[str, str], prompt: bool = True
) -> dict[str, object]:
    """Fetch the remote's notes, merge them into the local ref, push the result."""
    env = dict(env) if prompt else {**env, "GIT_TERMINAL_PROMPT": "0"}
    name = remote or default_remote(cwd, env)
    tracking = tracking_ref(name) if _is_remote(name, cwd, env) else INCOMING_REF
    result: dict[str, object] = {"remote": name}
    result["fetched"] = _fetch(name, tracking, cwd, env)
    result["merged"] = _merge(tracking, cwd, env) if result["fetched"] else "nothing to merge"
    if _rev(NOTES_REF, cwd, env) is None:
        result.update({"pushed": False, "reason": "no Signoff notes on either side yet"})
    else:
        result.update(_push_with_retry(name, tracking, cwd, env))
    if tracking == INCOMING_REF:
        git("update-ref", "-d", INCOMING_REF, cwd=cwd, env=env)
    return result


def default_remote(cwd: str, env: Mapping[str, str]) -> str:
    """The current branch's remote, else `origin`, else the only remote there is."""
    branch = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=cwd, env=env)
    if branch.ok:
        name = branch.out.decode("utf-8", "replace").strip()
        configured = git("config", "--get", f"branch.{name}.remote", cwd=cwd, env=env)
        value = configured.out.decode("utf-8", "replace").strip()
        if configured.ok and value and value != ".":
            return value
    remotes = git("remote", cwd=cwd, env=env).out.decode("utf-8", "replace").split()
    if "origin" in remotes:
        return "origin"
    if len(remotes) == 1:
        return remotes[0]
    raise SyncError(
        "no remote to sync with: name one (signoff notes sync REMOTE)"
        if remotes
        else "this repository has no remote to share notes with"
    )


def _push_with_retry(
    remote: str, tracking: str | None, cwd: str, env: Mapping[str, str]
) -> dict[str, object]:
    import random
    import time

    push_env = {**env, GUARD: "1"}
    attempts = 0
    merged = None
    while True:
        attempts += 1
        res = git(
            "push",
            "--no-verify",
            "--quiet",
            remote,
            f"{NOTES_REF}:{NOTES_REF}",
            cwd=cwd,
            env=push_env,
        )
        if res.ok:
            local = _rev(NOTES_REF, cwd, env)
            if tracking and tracking != INCOMING_REF and local:
                git("update-ref", tracking, local, cwd=cwd, env=env)
            out: dict[str, object] = {"pushed": True, "attempts": attempts, "local": local}
            if merged:
                out["merged_before_push"] = merged
            return out
        if _refused(res):
            raise SyncError(
                f"{remote} refused {NOTES_REF} ({_refusal(res)}): a server-side hook or rule "
                "rejects notes pushes; your notes are kept locally and the branch push is not "
                f"affected. Ask the server's admins to allow {NOTES_REF}, or stop pushing notes "
                "there: git config signoff.pushNotes false"
            )
        if attempts >= PUSH_ATTEMPTS or not _rejected(res):
            raise SyncError(f"pushing {NOTES_REF} to {remote} failed: {res.message()}")
        # another clone pushed notes first: take theirs in, keep ours, try again (a third
        # clone may push in between: a few rounds, spread out so the racers stop colliding)
        incoming = tracking or INCOMING_REF
        if _fetch(remote, incoming, cwd, env):
            merged = _merge(incoming, cwd, env)
        if incoming == INCOMING_REF:
            git("update-ref", "-d", INCOMING_REF, cwd=cwd, env=env)
        if attempts > 1:
            time.sleep(random.uniform(0, 0.05 * attempts))


def _fetch(remote: str, into: str, cwd: str, env: Mapping[str, str]) -> bool:
    """Copy the remote's notes to `into`; False when the remote has none yet."""
    res = git("fetch", "--quiet", remote, f"+{NOTES_REF}:{into}", cwd=cwd, env=env)
    if res.ok:
        return True
    if b"couldn't find remote ref" in res.err:
        return False
    raise SyncError(f"fetching {NOTES_REF} from {remote} failed: {res.message()}")


def _merge(incoming: str, cwd: str, env: Mapping[str, str]) -> str:
    """Fold `incoming` into the local notes with cat_sort_uniq; says what happened.

    `git notes merge` moves the local ref without checking that nobody moved it meanwhile: a
    commit's note written during the merge would be lost. The merge runs on a private copy
    that replaces the local ref only if it did not move (`swap_notes`), else runs again.
    """
    theirs = _rev(incoming, cwd, env)
    if theirs is None:
        return "nothing to merge"
    ours = _rev(NOTES_REF, cwd, env)
    if ours == theirs or (
        ours and git("merge-base", "--is-ancestor", theirs, ours, cwd=cwd, env=env).ok
    ):
        return "already up to date"
    took = ours is None

    def merge(scratch: str) -> GitResult:
        if _rev(scratch, cwd, env) is None:  # no local notes yet: take the remote's
            return git("update-ref", scratch, theirs, "", cwd=cwd, env=env)
        return git(
            "notes", f"--ref={scratch}", "merge", "--quiet", "-s", "cat_sort_uniq", incoming,
            cwd=cwd, env=env,
        )  # fmt: skip

    try:
        swap_notes(NOTES_REF, merge, cwd=cwd, env=env, what="merging the remote's notes failed")
    except OSError as exc:
        raise SyncError(str(exc)) from exc
    return "took the remote's notes" if took else "merged (cat_sort_uniq)"


def _rejected(res: GitResult) -> bool:
    """Another clone pushed first (or is pushing right now): fetch, merge, try again."""
    text = res.err.decode("utf-8", "replace")
    if "[remote rejected]" in text:
        return any(word in _refusal(res) for word in RACING)
    return any(word in text for word in REJECTED)


def _refused(res: GitResult) -> bool:
    """The server itself said no (a pre-receive or update hook, a protected ref), as opposed
    to losing a race to another push of the same ref (`RACING`)."""
    return b"[remote rejected]" in res.err and not _rejected(res)


def _refusal(res: GitResult) -> str:
    """The server's reason from `! [remote rejected] REF -> REF (reason)`."""
    for line in res.err.decode("utf-8", "replace").splitlines():
        if "[remote rejected]" in line:
            reason = line.rpartition("(")[2].rstrip(")").strip()
            return reason or "remote rejected"
    return "remote rejected"


def _rev(ref: str, cwd: str, env: Mapping[str, str]) -> str | None:
    res = git("rev-parse", "--quiet", "--verify", ref, cwd=cwd, env=env)
    return (res.out.decode().strip() or None) if res.ok else None


def _is_remote(name: str, cwd: str, env: Mapping[str, str]) -> bool:
    return git("config", "--get", f"remote.{name}.url", cwd=cwd, env=env).ok
