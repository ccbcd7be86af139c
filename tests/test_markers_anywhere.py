"""Markers wherever forges and agents put them, look-alikes, and crafted input.

Squash merges stack pull-request commit messages, so trailers sit mid-message; hostile
messages disguise trailer keys or pad values to make matching slow. Every case is a real
commit read back through `git log`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.git import Repo
from signoff.git.log import Commit, Person, read_commit
from signoff.provenance.detect import _merge_tools, detect
from signoff.provenance.markers import (
    DETECTORS,
    IDENTITY_KEYS,
    KEY_WORDS,
    MAX_TRAILERS,
    TrailerMatch,
    find_markers,
    fold_key,
    plain_text,
)
from signoff.provenance.model import Marker, ToolUse
from tests.gitrepo import GitRepo

CLAUDE = "Co-Authored-By: Claude Opus 4.7 <noreply@anthropic.com>"
GEMINI = (
    "Co-authored-by: gemini-code-assist[bot] "
    "<176961590+gemini-code-assist[bot]@users.noreply.github.com>"
)


def markers_of(repo: GitRepo, message: str) -> list[Marker]:
    repo.commit(message, allow_empty=True)
    return find_markers(read_commit(Repo.discover(repo.path), "HEAD"))


def ids(markers: list[Marker]) -> list[tuple[str, str | None]]:
    return [(m.detector, m.tool) for m in markers]


# --- mid-message --------------------------------------------------------------------------


def test_co_author_followed_by_another_paragraph(repo: GitRepo) -> None:
    message = f"Add cache (#12)\n\nBody.\n\n{CLAUDE}\n\n## Test Plan\n\nmdtests extended\n"
    (found,) = markers_of(repo, message)
    assert (found.detector, found.model) == ("claude-code.co-author", "claude-opus-4-7")
    assert found.evidence == f"{CLAUDE} (line 5, outside the final trailer block)"
    assert found.confidence == "strong"


def test_github_squash_that_stacks_the_pr_commits(repo: GitRepo) -> None:
    message = (
        "Refactor loader (#4063)\n\n"
        "* first step\n\nMove detection first.\n\n"
        f"{GEMINI}\n\n"
        "* second step\n\nAmp-Thread-ID: https://ampcode.com/threads/T-0195-abc\n"
        "Made-with: Cursor\n\n"
        "* docs: regenerate references\n\n"
        "---------\n\n"
        "_codex-gpt-5.5-medium on behalf of matt wilkie_\n\n"
        "Signed-off-by: Ada Lovelace <ada@example.com>\n"
    )
    found = markers_of(repo, message)
    assert ids(found) == [
        ("gemini-code-assist.bot", "gemini-code-assist"),
        ("amp.thread", "amp"),
        ("cursor.made-with", "cursor"),
        ("agent-signature.line", "codex"),
    ]
    assert all("outside the final trailer block" in m.evidence for m in found[:3])


def test_trailer_block_then_html_block(repo: GitRepo) -> None:
    message = (
        "Fix (#3)\n\nAI-Assisted: claude-code/claude-sonnet-4\n\n"
        '<details><summary>Review</summary>\n<img src="badge.svg">\n</details>\n'
    )
    (found,) = markers_of(repo, message)
    assert (found.detector, found.tool, found.model) == (
        "signoff.ai-assisted",
        "claude-code",
        "claude-sonnet-4",
    )


def test_a_line_git_also_parsed_is_read_once(repo: GitRepo) -> None:
    message = f"Fix\n\n{CLAUDE}\n\nMore text.\n\n{CLAUDE}\n"
    found = markers_of(repo, message)
    assert len(found) == 1
    assert found[0].evidence == CLAUDE  # git's own block comes first


def test_co_author_email_wrapped_onto_the_next_line(repo: GitRepo) -> None:
    message = "Improve range (#21461)\n\nCo-authored-by: Claude\n<noreply@anthropic.com>\n"
    (found,) = markers_of(repo, message)
    assert found.detector == "claude-code.co-author"


@pytest.mark.parametrize(
    "body",
    [
        "The Co-authored-by: trailer now lists Claude as a co-author.",
        "We generated with Claude Code help and made-with: cursor in mind.",
        "    Co-Authored-By: Claude <noreply@anthropic.com>",  # indented: quoted
        "> AI-Assisted: claude-code",  # a quote
        "* Made-with: Cursor",  # a list item
        "```\nCo-Authored-By: Claude <noreply@anthropic.com>\n```",  # a code example
        "Co-authored-by: Claude Monet <claude@example.com>",  # a person
        "Assisted-by: Jane Doe <jane@example.com>",
        "Generated-by: scripts/gen_tables.py",
    ],
)
def test_prose_and_quotes_never_fire(repo: GitRepo, body: str) -> None:
    assert markers_of(repo, f"Change\n\n{body}\n\nSigned-off-by: A <a@example.com>\n") == []


# --- look-alikes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "trailer",
    [
        "AI-\u0410ssisted: claude-code",  # Cyrillic A
        "AI-Assis\u200bted: claude-code",  # zero-width space
        "\uff21\uff29-Assisted: claude-code",  # fullwidth AI
        "ai_assisted: claude-code",
        "AI-ASSISTED:    claude-code",
        "AI\u2011Assisted: cl\u0430ude-code",  # non-breaking hyphen, Cyrillic a in the value
        "AI-Assisted: \u202eclaude-code",  # a bidi override
    ],
)
def test_look_alike_keys_and_values_are_folded(repo: GitRepo, trailer: str) -> None:
    found = markers_of(repo, f"Change\n\nBody.\n\n{trailer}\n\nMore.\n")
    assert ids(found) == [("signoff.ai-assisted", "claude-code")]
    assert found[0].evidence.startswith(trailer.split(":")[0])  # the evidence is verbatim


@pytest.mark.parametrize(
    "coauthor",
    [
        "Cl\u0430ude <noreply@\u0430nthropic.com>",  # Cyrillic a twice
        "Claude <noreply@anthropic\u200b.com>",
        "Claude <NOREPLY@ANTHROPIC.COM>",
        "Claude <noreply@\uff41nthropic.com>",  # fullwidth a
    ],
)
def test_look_alike_identities_are_folded(repo: GitRepo, coauthor: str) -> None:
    found = markers_of(repo, f"Change\n\nCo-authored-by: {coauthor}\n")
    assert ids(found) == [("claude-code.co-author", "claude-code")]


def test_folding_helpers() -> None:
    assert fold_key("Co-Authored\u200b-By ") == "co-authored-by"
    assert fold_key("C\u043e-authored-by") == "co-authored-by"  # Cyrillic o
    assert plain_text("a \u00a0\t b") == "a b"
    assert plain_text("plain ascii") == "plain ascii"


# --- crafted input ------------------------------------------------------------------------


def test_a_value_padded_with_fifty_thousand_spaces_is_still_read(repo: GitRepo) -> None:
    pad = " " * 50_000
    message = (
        f"Change\n\nAI-Assisted: claude-code{pad}/{pad}claude-opus-4-5\n"
        f"Claude-Session:{pad}https://claude.ai/code/session_01{pad}\n"
        f"Co-authored-by: Claude{pad}<noreply@anthropic.com>\n"
    )
    found = markers_of(repo, message)
    assert {(m.tool, m.model) for m in found} == {("claude-code", "claude-opus-4-5")}


def test_values_built_to_backtrack_give_the_right_answer(repo: GitRepo) -> None:
    message = (
        "Change\n\n"
        f"AI-Assisted: a{' ' * 40_000}x{'/' * 20_000}\n"
        f"Assisted-by: {'a:' * 20_000}!\n"
        f"Amp-Thread-ID: https://{'/' * 40_000}\n"
        f"Agent-Signature: {'a-' * 20_000} on behalf of {'b ' * 20_000}\n"
        f"Co-authored-by: {'<' * 20_000}\n"
    )
    found = markers_of(repo, message)
    # each rule answers as it does on short input: AI-Assisted declares whatever its junk,
    # `a:a:...` is the kernel's AGENT:MODEL form, the rest are not markers (the signature's
    # "on behalf of" lies beyond the value cap)
    assert [(m.detector, m.tool) for m in found] == [
        ("signoff.ai-assisted", "a-x"),
        ("policy.assisted-by", "a"),
    ]


def test_thirty_thousand_distinct_declarations_are_capped(repo: GitRepo) -> None:
    trailers = "".join(f"AI-Assisted: tool{i}/model{i}\n" for i in range(30_000))
    repo.commit(f"Change\n\n{trailers}", allow_empty=True)
    commit = read_commit(Repo.discover(repo.path), "HEAD")
    prov = detect(commit)
    assert prov.status == "ai"
    assert len(prov.tools) == MAX_TRAILERS
    assert prov.tools[0] == ToolUse("tool0", "model0")


def _merge_reference(tools: list[ToolUse]) -> list[ToolUse]:
    """The quadratic definition `_merge_tools` must agree with."""
    unique = list(dict.fromkeys(tools))
    by_tool: dict[str, list[ToolUse]] = {}
    for t in unique:
        by_tool.setdefault(t.tool, []).append(t)
    for name, uses in by_tool.items():
        models = {u.model for u in uses if u.model}
        sessions = {u.session for u in uses if u.session}
        if len(uses) > 1 and len(models) <= 1 and len(sessions) <= 1:
            merged = ToolUse(name, next(iter(models), None), next(iter(sessions), None))
            unique = [merged if u.tool == name else u for u in unique]
    unique = list(dict.fromkeys(unique))
    return [
        t
        for t in unique
        if not any(
            o is not t
            and o.tool == t.tool
            and (t.model is None or o.model == t.model)
            and (t.session is None or o.session == t.session)
            and (o.model, o.session) != (t.model, t.session)
            for o in unique
        )
    ]


_uses = st.builds(
    ToolUse,
    st.sampled_from(["claude-code", "cursor", "codex"]),
    st.sampled_from([None, "m1", "m2"]),
    st.sampled_from([None, "s1", "s2"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_uses, max_size=12))
def test_merge_tools_agrees_with_its_quadratic_definition(tools: list[ToolUse]) -> None:
    assert _merge_tools(tools) == _merge_reference(tools)


def test_merge_tools_on_thirty_thousand_uses() -> None:
    tools = [ToolUse("claude-code", f"m{i}", f"s{i}") for i in range(30_000)]
    tools += [ToolUse("claude-code", "m7"), ToolUse("claude-code")]
    merged = _merge_tools(tools)
    assert len(merged) == 30_000  # the two less specific entries are covered
    assert merged[0] == ToolUse("claude-code", "m0", "s0")


def test_every_trailer_key_passes_the_cheap_prefilter() -> None:
    # the line scan only runs when a key word occurs: a key without one would be missed
    keys = [d.match.key for d in DETECTORS if isinstance(d.match, TrailerMatch)]
    keys += list(IDENTITY_KEYS)
    for key in keys:
        plain = key.replace("(?:-id)?", "").replace("\\", "")
        assert any(word in plain for word in KEY_WORDS), key


_INVISIBLES = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u00ad"]
)
_SPACES = st.text(alphabet=" \t\u00a0\u2009", max_size=3000)


def _body_commit(line: str) -> Commit:
    """A commit whose marker line sits mid-message (the line scan's path; git not involved)."""
    ada = Person("Ada Lovelace", "ada@example.com")
    return Commit(
        sha="0" * 40,
        parents=(),
        author=ada,
        author_date="2026-01-01T00:00:00+00:00",
        committer=ada,
        commit_date="2026-01-01T00:00:00+00:00",
        message=f"Change\n\nBody.\n\n{line}\n\nMore text.\n",
        trailers=(),
    )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_invisible_characters_and_padding_never_change_the_answer(data: st.DataObject) -> None:
    key = "AI-Assisted"
    at = data.draw(st.integers(0, len(key)))
    key = key[:at] + data.draw(_INVISIBLES) + key[at:]
    pad1, pad2 = data.draw(_SPACES), data.draw(_SPACES)
    line = f"{key}:{pad1}claude-code{pad2}/ claude-opus-4-5"
    found = find_markers(_body_commit(line))
    assert [(m.detector, m.tool, m.model) for m in found] == [
        ("signoff.ai-assisted", "claude-code", "claude-opus-4-5")
    ]


@pytest.mark.parametrize(
    "footer",
    [
        "\U0001f916 Generated with [\u0421laude Code](https://claude.com/claude-code)",  # Cyrillic C
        "\U0001f916 Generated\u200b with [Claude Code](https://claude.com/claude-code)",
        "\U0001f916 Generated  with\u00a0[Claude Code](https://claude.com/claude-code)",
    ],
)
def test_look_alike_footers_are_folded(repo: GitRepo, footer: str) -> None:
    found = markers_of(repo, f"Change\n\n{footer}\n")
    assert ids(found) == [("claude-code.footer", "claude-code")]
    assert found[0].evidence == footer.strip()  # verbatim


_LINES = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda k, v: f"{k}: {v}",
        st.sampled_from(
            ["Co-authored-by", "AI-Assisted", "Assisted-by", "Agent-Signature", "Executed-By"]
        ),
        st.text(max_size=200),
    ),
    st.sampled_from(["```", "", "_a on behalf of b_", "\U0001f916 Generated with [x](http://y)"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=30), st.text(max_size=80), st.text(max_size=80))
def test_arbitrary_messages_and_identities_never_raise(
    lines: list[str], name: str, email: str
) -> None:
    commit = _body_commit("\n".join(lines))
    commit.author = Person(name, email)
    commit.trailers = tuple(
        (k.strip(), v.strip()) for k, _, v in (x.partition(":") for x in lines) if _ and k.strip()
    )
    for marker in find_markers(commit):
        assert marker.kind in ("ai", "automation", "ambiguous", "human")
        assert marker.confidence in ("strong", "medium", "weak")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Agent-Signature: codex-unknown-model-unknown-reasoning on behalf of ada",
            ("codex", None),
        ),
        (
            "Agent-Signature: claude-code-claude-opus-4-8-high on behalf of ada",
            ("claude-code", "claude-opus-4-8"),
        ),
        ("Agent-Signature: mystery-x1-high on behalf of ada", ("mystery", "x1")),
        (
            "_Claude Opus 4.7 (beads/investigator) on behalf of ada_",
            ("claude-code", "claude-opus-4-7"),
        ),
        ("_mystery-x1-high on behalf of ada_", None),  # the italic form must name a known tool
        ("_emphasis on behalf of the team_", None),
    ],
)
def test_agent_signature_forms(line: str, expected: tuple[str, str | None] | None) -> None:
    found = find_markers(_body_commit(line))
    got = [(m.tool, m.model) for m in found]
    assert got == ([expected] if expected else [])
