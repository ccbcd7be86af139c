"""What the commit-msg, post-commit and pre-push hooks do.

commit-msg decides (see `agents.decide`), writes the canonical trailers with
`git interpret-trailers` (so git's own trailer rules apply) and prepares the note; post-commit
appends that `signoff/provenance/v1` note to the new commit (the installed script does this part
in sh). When commit-msg did not run (`--no-verify`, a hook manager), post-commit re-derives the
decision from the commit's trailers and the same environment. pre-push also pushes
`refs/notes/signoff`. None of them blocks git when Signoff itself fails: `hookmain` turns any
exception into a one-line warning and exit code 0.

Imports only the standard library and import-light Signoff modules: this runs on every commit.
"""

from __future__ import annotations

import os
import time

from signoff.git.hooks import (
    NOTES_SCRATCH_PREFIX,
    SWAP_ATTEMPTS,
    GitResult,
    append_notes,
    committer_ident,
    git,
    git_dir,
    in_progress,
    read_head,
    read_head_file,
    read_notes,
    read_settings,
    swap_notes,
)
from signoff.recording.agents import Decision, decide, parse_declaration, trailer_tools

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from signoff.recording.commit_lines import CommitLines

NOTES_REF = "refs/notes/signoff"
# Private copies of the notes ref that one note write works on (see `append_note`).
SCRATCH_PREFIX = NOTES_SCRATCH_PREFIX
APPEND_ATTEMPTS = SWAP_ATTEMPTS
# A prepared note older than this was left by a commit that failed: never used, then removed.
PENDING_TTL = 600
# Stands for the commit id in a note commit-msg prepares before the commit exists.
COMMIT_PLACEHOLDER = "@SIGNOFF_COMMIT@"
# Stands for the parent in the name of a bundle prepared for a branch's first commit.
ROOT = "root"
SIGNOFF_KEYS = ("ai-assisted", "accepted-by", "ai-session")
SQUASH_PREFIXES = (b"fixup! ", b"squash! ", b"amend! ")
# Identities that cannot accept a change: bots and the agents' own addresses.
AGENT_ADDRESSES = frozenset(
    (
        "noreply@anthropic.com",
        "noreply@openai.com",
        "codex@openai.com",
        "cursoragent@cursor.com",
        "amp@ampcode.com",
        "aider@aider.chat",
        "noreply@github.com",
    )
)

Report = dict[str, object]


class Person:
    """A name and email, as in `Name <email>` (an import-light `signoff.git.log.Person`)."""

    __slots__ = ("email", "name")

    def __init__(self, name: str, email: str) -> None:
        self.name = name
        self.email = email

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


# -- commit-msg ---------------------------------------------------------------------------------


def commit_msg(
    msg_path: str, *, cwd: str, env: Mapping[str, str], flag: str | None = None
) -> Report:
    """Add `AI-Assisted:`, `Accepted-by:` and `AI-Session:` trailers to the message file.

    When the installed script passes git's pid (`SIGNOFF_GIT_PID`), everything post-commit
    writes is prepared here too, where the index is final: the note with its line record and
    the working log's `commit` records (`prepare`), so that post-commit only has to fill in the
    new commit id (in sh, without starting Python again).
    """
    started = time.monotonic()
    report: Report = {"hook": "commit-msg", "trailers_added": []}
    gitdir = git_dir(cwd, env)
    busy = in_progress(gitdir)
    if busy:
        report["skipped"] = f"{busy} in progress: the commits replayed keep their own provenance"
        return report
    with open(msg_path, "rb") as fh:
        message = fh.read()
    squash = message.lstrip().startswith(SQUASH_PREFIXES)
    existing = [] if squash else _message_trailers(msg_path, message, cwd, env)
    config = _Settings(cwd, env)
    decision = decide(env=env, flag=flag, trailers=existing, config=config.ai)
    person: Person | None = None
    if decision is None:
        report["skipped"] = "no agent detected and nothing declared: unknown stays unknown"
    else:
        report["decision"] = decision.to_json()
        # Over a conflicting message its `Accepted-by:` is the agent's word too: the git
        # identity is not.
        claimed = None if decision.conflict else _accepted_by(existing)
        person = claimed or committer(cwd, env, config.values())
        # A conflicting message is left as written; the note carries the environment evidence.
        wanted = [] if squash or decision.conflict else _trailers_for(decision, existing, person)
        if squash:
            report["trailers_skipped"] = (
                "fixup/squash commit: trailers would not survive autosquash"
            )
        if wanted:
            args: list[str | bytes] = [
                "interpret-trailers",
                "--in-place",
                "--if-exists",
                "addIfDifferent",
            ]
            for key, value in wanted:
                args += ["--trailer", f"{key}: {value}"]
            args.append(os.fsencode(os.path.abspath(os.path.join(cwd, msg_path))))
            res = git(*args, cwd=cwd, env=env)
            if not res.ok:
                raise OSError(f"git interpret-trailers failed: {res.message()}")
        report["trailers_added"] = [f"{k}: {v}" for k, v in wanted]
    pid = env.get("SIGNOFF_GIT_PID", "")
    if pid.isdigit():
        try:
            report.update(prepare(gitdir, pid, decision, person, config, started, cwd, env))
        except Exception as exc:  # nothing is lost: post-commit then does it all itself
            report["prepare_error"] = f"{type(exc).__name__}: {exc}"
    return report


def prepare(
    gitdir: str,
    pid: str,
    decision: Decision | None,
    person: Person | None,
    config: _Settings,
    started: float,
    cwd: str,
    env: Mapping[str, str],
) -> Report:
    """Prepare what post-commit writes for the commit git `pid` is about to make, and leave it
    in `<git dir>/signoff/pending-<pid>-<tree>-<parent>`: the note (the first line, empty when
    there is nothing to write) and the working log's `commit` records, with `COMMIT_PLACEHOLDER`
    for the commit id.

    Keyed by git's pid, the staged tree and the parent the lines were attributed against: a
    bundle a failed commit left behind never lands on a later commit whose process reuses the
    pid (its tree or parent differs, and post-commit also takes only a bundle no older than the
    commit's message), and an amend (another parent) is attributed by post-commit itself.
    Nothing is prepared when post-commit must run Python anyway (Git AI notes with a working
    log: that note needs the commit).
    """
    tree_res = git("write-tree", cwd=cwd, env=env)
    if not tree_res.ok:
        return {}
    tree = tree_res.out.strip().decode()
    # a wrong answer only means the bundle is not used: post-commit compares the real parent
    parent = read_head(gitdir)
    if parent is None:
        head = git("rev-parse", "-q", "--verify", "HEAD^{commit}", cwd=cwd, env=env)
        parent = head.out.strip().decode() if head.ok else None  # None: a first commit
    capture: CommitLines | None = None
    report: Report = {}
    if os.path.exists(os.path.join(gitdir, "signoff", "capture", "log.jsonl")):
        from signoff.recording.commit_lines import CommitLines, truthy

        settings = config.values()
        if truthy(settings.get("signoff.writegitainotes")):
            return {}
        capture = CommitLines(
            gitdir, COMMIT_PLACEHOLDER, parent, cwd, env, tree=tree, config=settings
        )
        capture.attribute(started)
        report.update(capture.summary())
        if decision is None and capture.has_lines():
            person = committer(cwd, env, config.values())
    note, why = document(decision, person, capture, COMMIT_PLACEHOLDER)
    lines = [note or b"\n"]
    if capture is not None:
        from signoff.provenance.notes import compact_json

        records = capture.commit_records()
        lines += [(compact_json(r) + "\n").encode("utf-8", "replace") for r in records]
    if not all(_fills(line) for line in lines if line != b"\n"):
        return report  # a path or session names the placeholder first: post-commit does it all
    if capture is not None:
        pruned = capture.prune()
        if pruned is not None:
            report["pruned"] = pruned
    key = f"{pid}-{tree}-{parent or ROOT}"
    report["note_pending"] = _write_pending(gitdir, key, b"".join(lines))
    report["note_prepared"] = why
    return report


def document(
    decision: Decision | None, person: Person | None, capture: CommitLines | None, commit: str
) -> tuple[bytes | None, str]:
    """The document to write on `commit` and what it comes from (`capture`: with the line
    record; `decision`: the commit-level decision alone), or None and why there is none."""
    if capture is not None and capture.has_lines():
        lines = capture.note(decision=decision, person=person)
        if lines is not None:
            return lines, "capture"
    if decision is None:
        return None, "no agent detected and nothing declared: unknown stays unknown"
    if decision.source == "trailer":
        # nothing beyond the message's own trailers, which already are the record (and an
        # amend or reword that keeps them must not stack a copy of the same facts)
        return None, "only the commit's own trailers declare it: they are the record"
    return _note(decision, person, commit), "decision"


def _fills(line: bytes) -> bool:
    """Whether the commit id goes where the placeholder first occurs (the `commit` field):
    the installed script replaces the first occurrence only."""
    at = line.find(COMMIT_PLACEHOLDER.encode())
    return at >= 0 and line[:at].endswith(b'"commit":"')


class _Settings:
    """`read_settings` (the `signoff.*`, `user.*` and `committer.*` git config), read once (one
    git process) and only when first needed."""

    def __init__(self, cwd: str, env: Mapping[str, str]) -> None:
        self.cwd = cwd
        self.env = env
        self.read: dict[str, str] | None = None

    def values(self) -> dict[str, str]:
        if self.read is None:
            self.read = read_settings(self.cwd, self.env)
        return self.read

    def ai(self) -> str | None:
        """`git config signoff.ai` (what `decide` asks when no stronger signal decided)."""
        return self.values().get("signoff.ai") or None


def _message_trailers(
    msg_path: str, message: bytes, cwd: str, env: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The message's trailers as git parses them (git is only asked when ours could be there)."""
    lowered = message.lower()
    if not any(key.encode() in lowered for key in SIGNOFF_KEYS):
        return []
    path = os.fsencode(os.path.abspath(os.path.join(cwd, msg_path)))
    res = git("interpret-trailers", "--parse", path, cwd=cwd, env=env)
    return _split_trailers(res.out) if res.ok else []


def _trailers_for(
    decision: Decision, existing: list[tuple[str, str]], person: Person | None
) -> list[tuple[str, str]]:
    """The trailers the decision calls for that the message does not carry already."""
    have_keys = {k.strip().lower() for k, _ in existing}
    written, _ = trailer_tools(existing)
    out: list[tuple[str, str]] = []
    if decision.status == "human":
        if "ai-assisted" not in have_keys:
            out.append(("AI-Assisted", "none"))
        return out
    named = {t.tool for t in written}
    for use in decision.tools:
        if use.tool not in named:
            out.append(("AI-Assisted", use.label()))
    sessions = {v.strip() for k, v in existing if k.strip().lower() == "ai-session"}
    for use in decision.tools:
        if use.session and use.session not in sessions:
            out.append(("AI-Session", use.session))
            sessions.add(use.session)
    if "accepted-by" not in have_keys and person is not None:
        out.append(("Accepted-by", str(person)))
    return out


def committer(
    cwd: str, env: Mapping[str, str], settings: Mapping[str, str] | None = None
) -> Person | None:
    """The committer identity git will use, or None when it is a bot or an agent's address.
    From `settings` (`read_settings`) when they settle it, else from `git var`."""
    known = committer_ident(env, settings) if settings is not None else None
    if known is not None:
        return accepter(*known)
    res = git("var", "GIT_COMMITTER_IDENT", cwd=cwd, env=env)
    if not res.ok:
        raise OSError(f"git var GIT_COMMITTER_IDENT failed: {res.message()}")
    ident = res.out.decode("utf-8", "replace").strip()
    name, _, rest = ident.partition(" <")
    email = rest.partition(">")[0]
    return accepter(name, email)


def accepter(name: str, email: str) -> Person | None:
    """`name <email>` as a human who can accept a change; None for bots and agent addresses."""
    name = " ".join(name.split())
    email = email.strip()
    if name.endswith(" (aider)"):  # aider decorates the human's own name
        name = name[: -len(" (aider)")].strip()
    if not name or "[bot]" in name.lower() or "[bot]" in email.lower():
        return None
    if email.lower() in AGENT_ADDRESSES or email.lower().endswith(
        "+copilot@users.noreply.github.com"
    ):
        return None
    return Person(name, email)


def _split_trailers(raw: bytes) -> list[tuple[str, str]]:
    pairs = []
    for line in raw.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            pairs.append((key.strip(), value.strip()))
    return pairs


# -- post-commit --------------------------------------------------------------------------------


def post_commit(*, cwd: str, env: Mapping[str, str], flag: str | None = None) -> Report:
    """Append a `signoff/provenance/v1` note to HEAD: the one commit-msg prepared for this
    commit, or (when commit-msg did not run, or prepared for another commit) one decided and
    attributed here; with the working log's line record in the same document."""
    started = time.monotonic()
    report: Report = {"hook": "post-commit", "note_written": False}
    gitdir = git_dir(cwd, env)
    busy = in_progress(gitdir)
    res = git(
        "log",
        "-1",
        "--no-show-signature",
        "--format=%H%x00%T%x00%P%x00%cn%x00%ce%x00%(trailers:only,unfold)",
        "HEAD",
        cwd=cwd,
        env=env,
    )
    if not res.ok:
        raise OSError(f"cannot read HEAD: {res.message()}")
    fields = res.out.decode("utf-8", "replace").split("\x00", 5)
    sha, tree, parents, cname, cemail, raw_trailers = fields
    sha = sha.strip()
    report["commit"] = sha
    parent_list = parents.split()
    prepared = _take_pending(
        gitdir,
        env.get("SIGNOFF_GIT_PID", ""),
        tree.strip(),
        parent_list[0] if len(parent_list) == 1 else ROOT if not parent_list else "",
    )
    if busy == "rebase" and _picked_at_a_stop(gitdir):
        busy = "cherry-pick"  # the user's own, while the rebase waits: not one of its commits
        _remember(gitdir, PICKED_IN_REBASE, f"{sha}\n")
    if busy == "cherry-pick":
        report["copied_from"] = _copy_cherry_picked_note(gitdir, sha, cwd, env)
        if report["copied_from"]:
            from signoff.recording.commit_lines import carry_cherry_pick

            report.update(carry_cherry_pick(gitdir, str(report["copied_from"]), sha, cwd, env))
        return report
    if busy:
        report["skipped"] = (
            f"{busy} in progress: the post-rewrite hook carries notes onto rewritten commits"
        )
        return report
    if len(parent_list) > 1:
        report["skipped"] = "merge commit: its changes are its parents' and keep their provenance"
        return report
    if prepared is not None:
        return _write_prepared(report, gitdir, sha, prepared, cwd, env)
    config = _Settings(cwd, env)
    capture: CommitLines | None = None
    if os.path.exists(os.path.join(gitdir, "signoff", "capture", "log.jsonl")):
        from signoff.recording.commit_lines import CommitLines

        parent = parent_list[0] if parent_list else None
        capture = CommitLines(gitdir, sha, parent, cwd, env, config=config.values())
        capture.attribute(started)
    try:
        trailers = _split_trailers(raw_trailers.encode())
        decision = decide(env=env, flag=flag, trailers=trailers, config=config.ai)
        if decision is not None and decision.source == "trailer":
            decision = _credit_config(decision, config.ai)
        claimed = None if decision is None or decision.conflict else _accepted_by(trailers)
        person = claimed or accepter(cname, cemail)
        if decision is not None:
            report["decision"] = decision.to_json()
        note, why = document(decision, person, capture, sha)
        if note is None:
            report["skipped"] = why
            return report
        append_note(sha, note, cwd, env)
        report["note_written"] = True
        if why == "capture":
            report["from"] = "capture"
        return report
    finally:
        if capture is not None:
            report.update(capture.finish())


def _write_prepared(
    report: Report,
    gitdir: str,
    sha: str,
    prepared: bytes,
    cwd: str,
    env: Mapping[str, str],
) -> Report:
    """Write what commit-msg prepared for this commit (the installed script does this in sh;
    Python does it in linked worktrees, under GIT_DIR and where there is no flock(1))."""
    note, records = _fill(prepared, sha)
    report["from"] = "commit-msg"
    try:
        if note:
            append_note(sha, note, cwd, env)
            report["note_written"] = True
        else:
            report["skipped"] = "commit-msg found nothing to record"
    finally:
        if records:
            from signoff.recording import worklog

            worklog.append_lines(gitdir, records)
    return report


def _note(decision: Decision, person: Person | None, commit: str) -> bytes:
    from signoff.provenance.notes import build_note

    return build_note(
        status=decision.status,
        tools=list(decision.tools),
        accepted_by=person,
        recorded_by="hook",
        detection={"source": decision.source, "evidence": decision.evidence},
        commit=commit,
    )


def _pending_path(gitdir: str, key: str) -> str:
    return os.path.join(gitdir, "signoff", f"pending-{key}")


def _write_pending(gitdir: str, key: str, bundle: bytes) -> str:
    """Leave the prepared bundle for post-commit (written whole or not at all); clear the ones
    aborted commits left behind (their git process is gone, or they are past PENDING_TTL)."""
    folder = os.path.join(gitdir, "signoff")
    os.makedirs(folder, exist_ok=True)
    now = time.time()
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith(("pending-", ".pending-")):
                continue
            try:
                if now - entry.stat().st_mtime > PENDING_TTL or not _alive(entry.name):
                    os.unlink(entry.path)
            except OSError:  # another commit's hook cleared it first
                pass
    path = _pending_path(gitdir, key)
    tmp = os.path.join(folder, f".pending-{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(bundle)
    os.replace(tmp, path)
    return path


def _alive(name: str) -> bool:
    """Whether the git process a `pending-<pid>-...` (or `.pending-<pid>.tmp`) file names runs."""
    pid = name.lstrip(".").split("-")[1].split(".")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _take_pending(gitdir: str, pid: str, tree: str, parent: str) -> bytes | None:
    """What commit-msg prepared for this `git commit` (same pid, tree and parent; no older than
    the commit's message and PENDING_TTL): the note and the `commit` records, with the commit id
    still to fill in. Every bundle of this git process is removed: one prepared for another
    commit (an amend's) is never used."""
    if not pid.isdigit():
        return None
    folder = os.path.join(gitdir, "signoff")
    path = _pending_path(gitdir, f"{pid}-{tree}-{parent}")
    bundle: bytes | None = None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        made = os.stat(path).st_mtime
        try:
            message = os.stat(os.path.join(gitdir, "COMMIT_EDITMSG")).st_mtime
        except OSError:
            message = 0.0
        # an empty bundle was taken already (the installed script empties what it used)
        if data and tree and parent and time.time() - made <= PENDING_TTL and made >= message:
            bundle = data
    except OSError:
        pass
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(f"pending-{pid}-"):
                    os.unlink(entry.path)
    except OSError:
        pass
    return bundle


def _fill(bundle: bytes, sha: str) -> tuple[bytes, list[bytes]]:
    """A prepared bundle's note (b"" when there is none) and `commit` records, each with the
    commit id in place of the first `COMMIT_PLACEHOLDER` (as the installed script fills them)."""
    placeholder, commit = COMMIT_PLACEHOLDER.encode(), sha.encode()
    note, *records = [line.replace(placeholder, commit, 1) for line in bundle.split(b"\n")]
    return (note + b"\n" if note else b""), [r + b"\n" for r in records if r.strip()]


def _credit_config(decision: Decision, read_config: Callable[[], str | None]) -> Decision:
    """Trailers commit-msg wrote because of `signoff.ai` are credited to the config again."""
    configured = read_config()
    declared = parse_declaration(configured) if configured else None
    if declared is None or {t.tool for t in declared} != {t.tool for t in decision.tools}:
        return decision
    return Decision(decision.status, decision.tools, "config", f"signoff.ai={configured}")


def _accepted_by(trailers: list[tuple[str, str]]) -> Person | None:
    for key, value in trailers:
        if key.lower() == "accepted-by":
            name, _, rest = value.partition("<")
            return accepter(name, rest.partition(">")[0])
    return None


def add_note(sha: str, note: bytes, cwd: str, env: Mapping[str, str], *, ref: str) -> bool:
    """Add a note on `sha` under `ref` only if it has none (False then): a note another tool
    wrote is never replaced. Compare-and-swap like `append_note`."""
    existed = False

    def add(scratch: str) -> GitResult:
        nonlocal existed
        res = git("notes", f"--ref={scratch}", "add", "-F", "-", sha, cwd=cwd, env=env,
                  input=note)  # fmt: skip
        existed = not res.ok and b"existing notes" in res.err
        return GitResult(0, b"", b"") if existed else res  # the copy is left as it was

    swap_notes(ref, add, cwd=cwd, env=env, what=f"could not write the note on {sha[:12]}",
               attempts=APPEND_ATTEMPTS)  # fmt: skip
    return not existed


def append_note(
    sha: str, note: bytes, cwd: str, env: Mapping[str, str], *, exact: bool = False
) -> None:
    """Append (never replace) a note document on `sha` under refs/notes/signoff, by
    compare-and-swap (`signoff.git.hooks.swap_notes`): a concurrent commit's note is never lost.
    The installed post-commit script does the same in sh (`install.PENDING_NOTE`). `exact`
    keeps the text byte for byte (a copied note): `-F` would clean its white space up."""
    source = ["-F", "-"]
    if exact:
        blob = git("hash-object", "-w", "--stdin", cwd=cwd, env=env, input=note)
        if not blob.ok:
            raise OSError(f"could not write the Signoff note on {sha[:12]}: {blob.message()}")
        source = ["-C", blob.out.decode("ascii").strip()]

    def append(scratch: str) -> GitResult:
        return git("notes", f"--ref={scratch}", "append", *source, sha, cwd=cwd, env=env,
                   input=None if exact else note)  # fmt: skip

    swap_notes(NOTES_REF, append, cwd=cwd, env=env, what=f"could not write the Signoff note on "
               f"{sha[:12]}", attempts=APPEND_ATTEMPTS)  # fmt: skip


def _copy_cherry_picked_note(gitdir: str, sha: str, cwd: str, env: Mapping[str, str]) -> str | None:
    """A cherry-pick carries the picked commit's recorded provenance along (git does not)."""
    source = read_head_file(gitdir, "CHERRY_PICK_HEAD")
    if not source:
        return None
    res = git("notes", f"--ref={NOTES_REF}", "show", source, cwd=cwd, env=env)
    if not res.ok or not res.out.strip():
        return None
    append_note(sha, res.out, cwd, env)
    return source


# -- post-rewrite -------------------------------------------------------------------------------


def post_rewrite(kind: str, rewritten: bytes, *, cwd: str, env: Mapping[str, str]) -> Report:
    """Carry the notes of rewritten commits onto the commits that replace them.

    git gives `OLD NEW` per line on stdin (`kind` is `amend` or `rebase`); several OLDs with
    one NEW are a squash or fixup. Each NEW gets, in one compare-and-swap notes write:

    - the OLDs' notes, stacked after its own as git's `notes.rewriteMode=concatenate` would
      (`copy_notes`). git's own copy (`notes.rewriteRef`) moves the notes ref without checking
      that nobody moved it meanwhile, so a note another worktree wrote in that instant was lost;
      `init` no longer asks git for it. A paragraph git already copied (an older install's
      config) is not copied twice;
    - a line record mapped by content (`carry.map_records`): the copied ranges describe the old
      files. An amend's post-commit already recorded the new commit's lines, so it gets none.

    A split (`edit`, `reset HEAD^`, two commits) leaves commits git does not list: each takes
    the line records of the listed commit after it. An amend made while a rebase is stopped is
    left to the rebase, which lists it when it finishes (an aborted rebase leaves nothing); one
    of a commit the rebase listed already (`exec`, `break`) is followed to (`_remember_amends`).
    """
    from signoff.recording.carry import map_records

    report: Report = {"hook": "post-rewrite", "carried": [], "copied": []}
    if kind not in ("amend", "rebase"):
        report["skipped"] = f"unknown rewrite {kind[:40]!r}: git passes amend or rebase"
        return report
    report["rewrite"] = kind
    gitdir = git_dir(cwd, env)
    rewrites = [
        (fields[0], fields[1])
        for fields in (line.split() for line in rewritten.decode("ascii", "replace").splitlines())
        if len(fields) >= 2 and fields[0] != fields[1]
    ]
    if kind == "amend" and in_progress(gitdir) == "rebase":
        _remember_amends(gitdir, rewrites)
        report["skipped"] = "amend during a rebase: carried when the rebase finishes"
        return report
    picked: set[str] = set()
    if kind == "rebase":
        picked = _picked_in_rebase(gitdir)
        if picked:  # git lists the commit it stopped at against HEAD: maybe a cherry-pick since
            rewrites = [(old, _below(new, picked, cwd, env)) for old, new in rewrites]
        later = _amended_in_rebase(gitdir)
        rewrites = [(old, _latest(new, later)) for old, new in rewrites]
    sources: dict[str, list[str]] = {}
    for old, new in rewrites:
        olds = sources.setdefault(new, [])
        if old not in olds:
            olds.append(old)
    if not sources:
        report["skipped"] = "no commit was rewritten"
        return report
    texts = read_notes(NOTES_REF, [*sources, *(o for olds in sources.values() for o in olds)],
                       cwd, env)  # fmt: skip
    notes = copy_notes(sources, texts)
    report["copied"] = [{"target": new, "from": sources[new]} for new in notes]
    mapped = dict(sources)
    if not any(b'"files"' in texts.get(old, b"") for olds in sources.values() for old in olds):
        mapped = {}  # no line record to map (commit-level notes only): no git run for it
    elif kind == "rebase":
        mapped = _with_split_commits(gitdir, mapped, cwd, env, picked=picked)
    else:  # an amend's post-commit already replayed the working log onto the new commit
        for new in [new for new in mapped if _has_own_line_record(new, texts.get(new, b""))]:
            del mapped[new]
    by_method: dict[str, list[tuple[list[str], str]]] = {}
    for new, olds in mapped.items():
        method = "amend" if kind == "amend" else "squash" if len(olds) > 1 else "rebase"
        by_method.setdefault(method, []).append((olds, new))
    carried: list[dict[str, object]] = []
    for method, pairs in by_method.items():
        try:
            results = map_records(pairs, method=method, cwd=cwd, env=env, texts=texts)
        except Exception as exc:  # mapping reads the files' blobs (a partial clone may lack
            # one); the copy does not: the notes still follow, and the report says why not more
            text = str(exc).strip().splitlines()
            report["mapping_error"] = f"{type(exc).__name__}: {text[0] if text else ''}"
            continue
        for result in results:
            if result.note is not None:
                copied = notes.get(result.target)
                notes[result.target] = copied + b"\n" + result.note if copied else result.note
            if result.note is not None or result.dropped:
                carried.append(result.to_json())
    write_notes(notes, cwd, env)
    report["carried"] = carried
    return report


def copy_notes(sources: Mapping[str, list[str]], texts: Mapping[str, bytes]) -> dict[str, bytes]:
    """Per NEW, the text to append so that its note holds its OLDs' notes, oldest first.

    A note another tool wrote is copied byte for byte, as git's copy did. A note is read as
    paragraphs (documents are appended after a blank line); a paragraph whose every line NEW's
    note already has is left out, so a note git copied itself (concatenated, or sorted into
    one paragraph by `cat_sort_uniq`), or a hook run twice, is not stacked again. An empty
    note has nothing to copy.
    """
    out: dict[str, bytes] = {}
    for new, olds in sources.items():
        have = {line for _, lines in _paragraphs(texts.get(new, b"")) for line in lines}
        add: list[bytes] = []
        for old in olds:
            text = texts.get(old, b"")
            paragraphs = _paragraphs(text)
            fresh = [(raw, lines) for raw, lines in paragraphs if not lines <= have]
            if len(fresh) == len(paragraphs) and fresh:
                add.append(text if text.endswith(b"\n") else text + b"\n")  # as it was written
            else:
                add += [raw for raw, _ in fresh]
            have.update(line for _, lines in fresh for line in lines)
        if add:
            out[new] = b"\n".join(add)
    return out


def _paragraphs(text: bytes) -> list[tuple[bytes, frozenset[bytes]]]:
    """A note's paragraphs (lines up to a blank one): each as written, and its lines without
    trailing white space (as `git notes append` would have left them)."""
    out: list[tuple[bytes, frozenset[bytes]]] = []
    lines: list[bytes] = []
    for line in [*text.split(b"\n"), b""]:
        if line.strip():
            lines.append(line)
        elif lines:
            out.append((b"\n".join(lines) + b"\n", frozenset(x.rstrip() for x in lines)))
            lines = []
    return out


# Files of ours in git's rebase folder, gone with it: amends and cherry-picks made meanwhile.
AMENDED_IN_REBASE = "signoff-amended"
PICKED_IN_REBASE = "signoff-picked"
REBASE_FOLDERS = ("rebase-merge", "rebase-apply")


def _remember(gitdir: str, name: str, lines: str) -> None:
    """Add lines to a file of ours in git's rebase folder (an abort or the end removes it)."""
    for folder in REBASE_FOLDERS:
        path = os.path.join(gitdir, folder)
        if os.path.isdir(path):
            with open(os.path.join(path, name), "a", encoding="ascii") as fh:
                fh.write(lines)
            return


def _remembered(gitdir: str, name: str) -> list[list[str]]:
    """The lines `_remember` added to `name`, split into fields."""
    for folder in REBASE_FOLDERS:
        try:
            with open(os.path.join(gitdir, folder, name), encoding="ascii") as fh:
                return [fields for fields in (line.split() for line in fh) if fields]
        except (OSError, UnicodeDecodeError):
            continue
    return []


def _remember_amends(gitdir: str, pairs: list[tuple[str, str]]) -> None:
    """Note an amend (`exec git commit --amend`, or one at a `break`) of a commit the rebase
    has already listed as a result: the rebase will name that commit, which is gone, and
    `_amended_in_rebase` points it on to the amended one. The rebase's own amends (a squash
    or fixup into a commit not yet listed) and an amend at an `edit` stop (listed once it is
    done) need nothing."""
    listed = set(_amended_in_rebase(gitdir).values())
    try:
        with open(os.path.join(gitdir, "rebase-merge", "rewritten-list"), "rb") as fh:
            listed.update(line.split()[1].decode("ascii", "replace")
                          for line in fh if len(line.split()) >= 2)  # fmt: skip
    except OSError:
        return
    lines = "".join(f"{old} {new}\n" for old, new in pairs if old in listed)
    if lines:
        _remember(gitdir, AMENDED_IN_REBASE, lines)


def _amended_in_rebase(gitdir: str) -> dict[str, str]:
    """Commits the rebase listed that were amended since (`_remember_amends`): old -> new."""
    return {f[0]: f[1] for f in _remembered(gitdir, AMENDED_IN_REBASE) if len(f) >= 2}


def _latest(sha: str, later: Mapping[str, str]) -> str:
    """`sha`, or the commit its amends in this rebase ended at."""
    seen = {sha}
    while sha in later and later[sha] not in seen:
        sha = later[sha]
        seen.add(sha)
    return sha


def _picked_at_a_stop(gitdir: str) -> bool:
    """Whether this commit is a `git cherry-pick` the user made while the rebase is stopped:
    the rebase's own picks have no REBASE_HEAD, and a stop for a conflict no CHERRY_PICK_HEAD."""
    picking = read_head_file(gitdir, "CHERRY_PICK_HEAD")
    stopped = read_head_file(gitdir, "REBASE_HEAD")
    return bool(picking and stopped and picking != stopped)


def _picked_in_rebase(gitdir: str) -> set[str]:
    """The cherry-picks made at this rebase's stops (`_picked_at_a_stop`)."""
    return {fields[0] for fields in _remembered(gitdir, PICKED_IN_REBASE)}


def _below(sha: str, picked: set[str], cwd: str, env: Mapping[str, str]) -> str:
    """`sha`, or the first commit under it on its first-parent line that is not a cherry-pick
    made at a stop: the commit the rebase stopped at, which git's list means."""
    if sha not in picked:
        return sha
    res = git("rev-list", "--first-parent", f"--max-count={len(picked) + 1}", sha, "--",
              cwd=cwd, env=env)  # fmt: skip
    for line in res.out.decode("ascii", "replace").split() if res.ok else ():
        if line not in picked:
            return line
    return sha


def _has_own_line_record(sha: str, note: bytes) -> bool:
    """Whether note text has a document recorded for `sha` itself with line ranges."""
    own = f'"commit":"{sha}"'.encode()
    return any(own in line and b'"files":' in line for line in note.splitlines())


def write_notes(notes: Mapping[str, bytes], cwd: str, env: Mapping[str, str]) -> None:
    """Append each commit's text byte for byte: one `git notes append` for one, one notes
    commit for many (`signoff.git.hooks.append_notes`)."""
    if len(notes) == 1:
        [(sha, note)] = notes.items()
        append_note(sha, note, cwd, env, exact=not _clean(note))
    elif notes:
        append_notes(NOTES_REF, notes, cwd=cwd, env=env, what="could not write the Signoff notes")


def _clean(text: bytes) -> bool:
    """Whether `git notes append -F` keeps `text` as it is (its clean-up drops trailing white
    space, blank lines at either end and the second of two): then no blob need be written
    first. In doubt, no."""
    lines = text.split(b"\n")
    if not text.endswith(b"\n") or not lines[0] or b"\0" in text:
        return False
    lines.pop()
    return all(
        line.rstrip(b" \t\r\v\f") == line and (line or lines[n - 1]) for n, line in enumerate(lines)
    ) and bool(lines[-1])


def _with_split_commits(
    gitdir: str,
    sources: dict[str, list[str]],
    cwd: str,
    env: Mapping[str, str],
    *,
    picked: set[str] | frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """The rebase's mapping plus the commits it made that git does not list (a split).

    Such a commit takes the sources of the next listed commit on its first-parent line: a
    split stops at `edit`, commits part, and git lists the original against the last part.
    A cherry-pick made at a stop (`picked`) is no part: it has its own note.
    """
    # commits before `onto` and the branch as it was (`orig-head`: unchanged picks are reused,
    # not rewritten) are not the rebase's
    before = []
    for folder in REBASE_FOLDERS:
        for name in ("onto", "orig-head"):
            sha = read_head_file(os.path.join(gitdir, folder), name)
            if sha:
                before.append(f"^{sha}")
    if len(before) < 2:
        return sources
    tips = list(sources)
    res = git(
        "rev-list", "--first-parent", "--topo-order", "--reverse", *tips, *before, "--",
        cwd=cwd, env=env,
    )  # fmt: skip
    if not res.ok:
        return sources
    out: dict[str, list[str]] = {}
    waiting: list[str] = []
    for sha in res.out.decode("ascii", "replace").split():
        if sha in sources:
            for extra in waiting:
                out[extra] = list(sources[sha])
            waiting = []
            out[sha] = sources[sha]
        elif sha not in picked:
            waiting.append(sha)
    for new, olds in sources.items():
        out.setdefault(new, olds)
    return out


# -- pre-push -----------------------------------------------------------------------------------


def pre_push(remote: str, url: str, refs: bytes, *, cwd: str, env: Mapping[str, str]) -> Report:
    """Push refs/notes/signoff along with the user's push (never blocks it)."""
    from signoff.recording.sync import GUARD, push_notes

    report: Report = {"hook": "pre-push", "remote": remote}
    if env.get(GUARD):
        report["skipped"] = "this push is Signoff's own notes push"
        return report
    settings = _push_settings(cwd, env)
    if settings.get("signoff.pushnotes") == "false":
        report["skipped"] = "signoff.pushNotes is false"
        return report
    pushed = [line.split() for line in refs.decode("utf-8", "replace").splitlines()]
    if any(len(fields) == 4 and fields[2] == NOTES_REF for fields in pushed):
        report["skipped"] = "the push already carries refs/notes/signoff"
        return report
    wait = _seconds(settings.get("signoff.pushnoteswait"), PUSH_WAIT)
    limit = _seconds(settings.get("signoff.pushnotestimeout"), PUSH_TIMEOUT)
    report.update(_bounded(lambda: push_notes(remote, cwd=cwd, env=env), wait, limit, cwd, env))
    return report


# The user's push waits at most PUSH_WAIT seconds for the notes push; a slower one (a hung
# server, a credential prompt nobody can answer) goes on in the background for at most
# PUSH_TIMEOUT seconds, then is killed with everything it started. Both are git config settings.
PUSH_WAIT = 5.0
PUSH_TIMEOUT = 60.0
PUSH_LOG = "notes-push.log"


def _push_settings(cwd: str, env: Mapping[str, str]) -> dict[str, str]:
    res = git("config", "--get-regexp", r"^signoff\.pushnotes", cwd=cwd, env=env)
    out: dict[str, str] = {}
    for line in res.out.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(" ")
        out[key.lower()] = value.strip().lower()
    return out


def _seconds(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value)) if value else default
    except ValueError:
        return default


def _bounded(
    push: Callable[[], Report], wait: float, limit: float, cwd: str, env: Mapping[str, str]
) -> Report:
    """Run `push` in a child process; its result if it ends within `wait` seconds, else a note
    that it goes on in the background (killed, with its git processes, after `limit`)."""
    import select
    import signal

    log = os.path.join(git_dir(cwd, env), "signoff", PUSH_LOG)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own process group, no terminal, nothing shared with git's
        code = 0
        try:
            os.close(read_end)
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)

            def give_up(*_: object) -> None:
                _write_log(
                    log, _line("pushed", False) + _line("reason", f"killed after {limit:g}s")
                )
                os.killpg(0, signal.SIGKILL)

            signal.signal(signal.SIGALRM, give_up)
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                result = push()
            except Exception as exc:
                result = {"pushed": False, "failed": True, "reason": str(exc)}
            text = "".join(_line(k, v) for k, v in result.items())
            _write_log(log, text)
            try:  # noqa: SIM105 - contextlib is one more import on every commit
                os.write(write_end, text.encode())
            except OSError:  # the hook stopped waiting long ago
                pass
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], wait)
        if not ready:
            return {
                "pushed": False,
                "background": True,
                "reason": f"the notes push took over {wait:g}s: it goes on in the background "
                f"(at most {limit:g}s; its result goes to {log})",
            }
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.waitpid(pid, 0)
    finally:
        os.close(read_end)
    got: Report = {}
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        key, kind, value = [*line.split(" ", 2), "", ""][:3]
        got[key] = value == "1" if kind == "b" else int(value) if kind == "i" else value
    return got if "pushed" in got else {"pushed": False, "reason": "the push gave no result"}


def _line(key: str, value: object) -> str:
    """One `key type value` line of a push result (the child hands it over a pipe)."""
    if isinstance(value, bool):
        return f"{key} b {int(value)}\n"
    if isinstance(value, int):
        return f"{key} i {value}\n"
    return f"{key} s {str(value).replace(chr(10), ' ')}\n"


def _write_log(path: str, text: str) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        pass
