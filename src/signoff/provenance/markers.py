"""The table of marker detectors: every convention an AI tool or a bot leaves in git.

The table is data (`DETECTORS`), read top to bottom, so adding a tool is one entry plus one
test and precedence is visible: an AI agent's bot identity is listed before the generic
`[bot]` automation rule, so it is never mistaken for automation. Detection runs on every
commit while indexing 100,000-commit histories, so regexes are compiled once at import,
identities are classified once per distinct person (people repeat across a history), and
message rules only run their regex when a literal needle is present.

Normalisation, applied everywhere: tool ids are lowercase-hyphenated canonical names
(`claude-code`, `copilot`, `aider`...; see `TOOL_ALIASES`), models are lowercase with runs of
whitespace turned into `-` and parenthesised qualifiers dropped (`Claude Opus 4.5 (1M context)`
-> `claude-opus-4-5`), sessions are the bare id (a session URL keeps only its last segment).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from signoff.git.log import Commit, Person
from signoff.provenance.model import Confidence, Kind, Marker, Source
from signoff.provenance.names import normalize_model

Role = Literal["author", "committer", "co-author"]

ALL_ROLES: frozenset[Role] = frozenset(("author", "committer", "co-author"))
AUTHOR_ONLY: frozenset[Role] = frozenset(("author",))
NOT_CO_AUTHOR: frozenset[Role] = frozenset(("author", "committer"))
# Trailer keys whose values name a person that helped write the change.
CO_AUTHOR_KEYS = frozenset(("co-authored-by",))
# Keys whose value may be an identity (`Assisted-by: <model> via Crush <crush@charm.land>`);
# a value that is no known identity goes on to the key's trailer rules.
IDENTITY_KEYS = CO_AUTHOR_KEYS | frozenset(("assisted-by",))


@dataclass(frozen=True, slots=True)
class TrailerMatch:
    """A trailer whose key fully matches `key` and whose value fully matches `value`.

    Both are case-insensitive regexes; `value` sees the value stripped, and its named groups
    `tool`, `model` and `session` fill the marker.
    """

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class IdentityMatch:
    """A person (author, committer, or a `Co-authored-by` value) that a tool stands behind.

    `name` and `email` are case-insensitive regexes matched against the whole field. With
    `either` one matching is enough (a GitHub App shows up under its login or its noreply
    address); otherwise every pattern given must match. Named groups fill the marker.
    `human` marks a human identity a tool decorated (aider's ` (aider)` suffix): it still
    fires, but the person behind it can accept changes. `commits_for_user` marks a tool that
    commits its own work with the user as author (Codex cloud): as committer it is `ai`
    (medium), not `ambiguous`.
    """

    name: str | None = None
    email: str | None = None
    either: bool = False
    roles: frozenset[Role] = ALL_ROLES
    human: bool = False
    commits_for_user: bool = False


@dataclass(frozen=True, slots=True)
class MessageMatch:
    """A message line (or only the subject) that fully matches `pattern`.

    `needle` is a literal that must occur in the message before the regex is tried: the
    cheap prefilter that keeps detection fast on the 99% of commits without a footer.
    """

    pattern: str
    needle: str
    subject_only: bool = False


Match = TrailerMatch | IdentityMatch | MessageMatch


@dataclass(frozen=True, slots=True)
class Detector:
    """One row of the table: a convention, and what a commit carrying it implies.

    `standalone` False: the trace only adds a session to another marker of the same tool and
    is dropped when no such marker fired (a tool that writes it on human commits too).
    `refine`, given the match's groups and the matched text, returns the groups to use, or
    None when the match is not a marker after all (a check a regex cannot say cheaply).
    """

    id: str
    tool: str | None
    kind: Kind
    confidence: Confidence
    match: Match
    standalone: bool = True
    refine: Callable[[dict[str, str | None], str], dict[str, str | None] | None] | None = None

    @property
    def source(self) -> Source:
        if isinstance(self.match, MessageMatch):
            return "message"
        if isinstance(self.match, TrailerMatch):
            return "trailer"
        return "identity"  # "trailer" when the identity was a Co-authored-by value


# Free-form tool names (AI-Assisted, Assisted-by, Generated-by) -> canonical tool id.
TOOL_ALIASES: dict[str, str] = {
    "claude": "claude-code",
    "claude-code": "claude-code",
    "claudecode": "claude-code",
    "anthropic-claude": "claude-code",
    "aider": "aider",
    "copilot": "copilot",
    "github-copilot": "copilot",
    "copilot-agent": "copilot",
    "copilot-cli": "copilot",
    "copilot-autofix": "copilot-autofix",
    "codex": "codex",
    "codex-cli": "codex",
    "openai-codex": "codex",
    "chatgpt-codex": "codex",
    "cursor": "cursor",
    "cursor-agent": "cursor",
    "gemini-code-assist": "gemini-code-assist",
    "gemini-cli": "gemini-cli",
    "gemini": "gemini-cli",
    "jules": "jules",
    "devin": "devin",
    "amp": "amp",
    "droid": "factory-droid",
    "factory-droid": "factory-droid",
    "qwen-code": "qwen-code",
    "qwen-coder": "qwen-code",
    "replit-agent": "replit-agent",
    "crush": "crush",
    "firebender": "firebender",
    "opencode": "opencode",
    "openhands": "openhands",
    "cline": "cline",
    "windsurf": "windsurf",
    "junie": "junie",
    "sweep": "sweep",
    "warp": "warp",
    "goose": "goose",
    "augment": "augment",
    "augment-code": "augment",
}


def _bot(login: str, *, roles: frozenset[Role] = ALL_ROLES) -> IdentityMatch:
    """A GitHub App account: its login as the name, or its `<id>+<login>@users.noreply...`."""
    return IdentityMatch(
        name=login,
        email=rf"(?:\d+\+)?(?:{login})@users\.noreply\.github\.com",
        either=True,
        roles=roles,
    )


def _known_tool_names() -> str:
    """Alternation of every alias in `TOOL_ALIASES`, spaces or hyphens between words."""
    names = sorted(TOOL_ALIASES, key=len, reverse=True)
    return "|".join(re.escape(n).replace(r"\-", "[ -]") for n in names)


_KNOWN = _known_tool_names()
_TOOLS = frozenset(TOOL_ALIASES.values())
# A session given as a URL keeps its last path segment; a bare id is kept whole.
# Greedy, so a value of thousands of slashes is one backtracking pass, not one per slash.
_SESSION = r"(?:https?://\S*/)?(?P<session>[^/\s]+)/?"

# Reasoning efforts that close an agent signature's `{runtime}-{model}-{reasoning}`.
_REASONING = ("minimal", "low", "medium", "high", "xhigh", "max", "unknown-reasoning")
_ROBOTS = ("\U0001f916", "\U0001f498")  # the robot and heart emoji agents' footers start with


def _signature(groups: dict[str, str | None], text: str) -> dict[str, str | None] | None:
    """Tool and model from an agent signature, `claude-opus-4-8-high on behalf of maphew`.

    The prefix is `{agent_runtime}-{model}-{reasoning}` (the runtime is the longest known
    tool name at its start) or a display name (`Claude Opus 4.7 (beads/investigator)`).
    Unknown runtimes count only in the `Agent-Signature:` trailer, whose key says it is an
    agent; the italic line must name a known tool.
    """
    signature = (groups.get("signature") or "").strip()
    if " " in signature:  # a display name: the model is the name itself
        tool = normalize_tool(signature)
        if tool not in _TOOLS:
            return None
        return {**groups, "tool": tool, "model": signature}
    words = signature.lower().split("-")
    for effort in _REASONING:
        tail = effort.split("-")
        if len(words) > len(tail) and words[-len(tail) :] == tail:
            words = words[: -len(tail)]
            break
    tool = None
    for n in range(min(len(words), 3), 0, -1):
        tool = TOOL_ALIASES.get("-".join(words[:n]))
        if tool:
            words = words[n:]
            break
    if tool is None:
        if "key" not in groups:
            return None
        tool, words = words[0], words[1:]
    model = "-".join(words)
    if model in ("unknown-model", "unknown"):
        model = ""
    if model and tool == "claude-code" and not model.startswith("claude"):
        model = f"claude-{model}"
    return {**groups, "tool": tool, "model": model or None}


def _footer(groups: dict[str, str | None], text: str) -> dict[str, str | None] | None:
    """A `Generated with [X](url)` footer counts when it has an agent's emoji or names a
    known tool: `Generated with [protoc](...)` in a generated-code note is not an agent."""
    tool = normalize_tool(groups.get("tool"))
    if tool == "claude-code" and "claude" in text.lower().split("](", 1)[-1]:
        return None  # Claude Code's own footer, read by its own row
    if tool in _TOOLS or text.startswith(_ROBOTS):
        return groups
    return None


def on_behalf_of(marker: Marker) -> str | None:
    """The human an agent signature names (`... on behalf of matt wilkie`), if any."""
    if not marker.detector.startswith("agent-signature."):
        return None
    text = marker.evidence.split(" (line ", 1)[0]
    _, sep, human = text.rpartition(" on behalf of ")
    return human.strip().strip("_").strip() or None if sep else None


# Gas Town's orchestrated agents author as `<rig>/polecats/<name>`, `<rig>/refinery`,
# `<rig>/witness` (the compound role it also exports as BD_ACTOR). `<rig>/crew/<name>` is a
# crew workspace: Gas Town's docs call it the human's own, though most crew names run agents.
_GAS_TOWN_AGENT = (
    r"[\w.-]+/polecats/[\w.-]+|[\w.-]+/(?:refinery|witness)|deacon/(?:boot|dogs/[\w.-]+)"
)
_GAS_TOWN_CREW = r"[\w.-]+/crew/[\w.-]+"
_GAS_TOWN_ROLE = f"{_GAS_TOWN_AGENT}|{_GAS_TOWN_CREW}"
# Polecats and crew members commit under their bare name (Gas Town sets GIT_AUTHOR_NAME to the
# agent's name, `furiosa`) at the overseer's email; names come from a themed pool
# (internal/polecat/namepool.go: mad-max by default, minerals, wasteland) or a custom theme.
GAS_TOWN_WORKER = "gas-town.worker"
_GAS_TOWN_BARE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_GAS_TOWN_THEMES = (
    # mad-max (the default)
    "furiosa nux slit rictus dementus capable toast dag cheedo valkyrie keeper morsov ace "
    "warboy imperator organic coma splendid angharad max immortan bullet toecutter goose "
    "nightrider glory scrotus chumbucket corpus dinki prime vuvalini rockryder wretched "
    "buzzard gastown bullet-farmer citadel wasteland fury road-warrior interceptor "
    "blackfinger wraith witness chrome shiny mediocre guzzoline aqua-cola",
    # minerals
    "obsidian quartz jasper onyx opal topaz garnet ruby amber jade pearl flint granite basalt "
    "marble shale slate pyrite mica agate malachite turquoise lapis emerald sapphire diamond "
    "amethyst citrine zircon peridot coral jet moonstone sunstone bloodstone rhodonite "
    "sodalite hematite magnetite calcite fluorite selenite kyanite labradorite amazonite "
    "chalcedony carnelian aventurine chrysoprase heliodor",
    # wasteland
    "rust chrome nitro guzzle witness shiny fury thunder dust scavenger radrat ghoul mutant "
    "raider vault pipboy nuka brahmin deathclaw mirelurk synth institute enclave brotherhood "
    "minuteman railroad atom crater foundation refuge settler wanderer courier lone chosen "
    "tribal khan legion ncr ranger overseer sentinel paladin scribe initiate elder lancer "
    "knight squire proctor",
)
# the built-in themes' names, and the bare roles `boot` and `dog` (internal/config/env.go)
_GAS_TOWN_NAMES = frozenset(
    ["boot", "dog", *(name for theme in _GAS_TOWN_THEMES for name in theme.split())]
)

DETECTORS: tuple[Detector, ...] = (
    # --- Signoff's own trailers and project policies -------------------------------------
    Detector(
        id="signoff.ai-assisted-none",
        tool=None,
        kind="human",
        confidence="strong",
        match=TrailerMatch("ai-assisted", r"none|no|false"),
    ),
    Detector(
        id="signoff.ai-assisted",
        tool=None,
        kind="ai",
        confidence="strong",
        match=TrailerMatch("ai-assisted", r"(?P<tool>[^/\s][^/]*?)\s*(?:/\s*(?P<model>\S.*))?"),
    ),
    Detector(
        id="signoff.ai-session",
        tool=None,
        kind="ai",
        confidence="strong",
        match=TrailerMatch("ai-session", r"(?P<session>\S+)"),
    ),
    # Linux kernel coding-assistants form: AGENT:MODEL [analysis tools...]
    Detector(
        id="policy.assisted-by",
        tool=None,
        kind="ai",
        confidence="strong",
        match=TrailerMatch(
            "assisted-by",
            r"(?P<tool>[^:<>@/]+?)\s*:\s*(?P<model>[^\s<>@/][^\s<>@]*)(?:\s+[^<>@]*)?",
        ),
    ),
    # Without the colon only a known tool name counts: humans get thanked with this key too.
    Detector(
        id="policy.assisted-by-name",
        tool=None,
        kind="ai",
        confidence="medium",
        match=TrailerMatch("assisted-by", rf"(?P<tool>{_KNOWN})(?:\s+[^<>@]*)?"),
    ),
    Detector(
        id="policy.generated-by",
        tool=None,
        kind="ai",
        confidence="medium",
        match=TrailerMatch(
            "generated-by", rf"(?:openai\s+|github\s+|google\s+)?(?P<tool>{_KNOWN})(?:\s+[^<>@]*)?"
        ),
    ),
    # --- Claude Code ----------------------------------------------------------------------
    Detector(
        id="claude-code.co-author",
        tool="claude-code",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(
            name=r"(?P<model>claude[ -](?!code\b)[^<>]*?)|.*", email=r"noreply@anthropic\.com"
        ),
    ),
    Detector(
        id="claude-code.bot",
        tool="claude-code",
        kind="ai",
        confidence="strong",
        match=_bot(r"(?:claude|anthropic-claude|claude-code-action)\[bot\]"),
    ),
    Detector(
        id="claude-code.session",
        tool="claude-code",
        kind="ai",
        confidence="strong",
        match=TrailerMatch("claude-session", _SESSION),
    ),
    Detector(
        id="claude-code.footer",
        tool="claude-code",
        kind="ai",
        confidence="strong",
        match=MessageMatch(
            r"\W*Generated with \[Claude Code\]\(https?://(?:claude\.com/claude-code|claude\.ai/code)/?\)\W*",
            "Generated with [Claude Code]",
        ),
    ),
    Detector(
        id="claude-code.footer-plain",
        tool="claude-code",
        kind="ai",
        confidence="medium",
        match=MessageMatch(r"\W*Generated with Claude Code\W*", "Generated with Claude Code"),
    ),
    # --- aider ----------------------------------------------------------------------------
    # aider appends " (aider)" to the user's own name: as author it wrote the change; as
    # committer only it merely committed (possibly the human's own edits) -> ambiguous.
    Detector(
        id="aider.name-suffix",
        tool="aider",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(name=r".*\S \(aider\)", roles=NOT_CO_AUTHOR, human=True),
    ),
    Detector(
        id="aider.co-author",
        tool="aider",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(
            name=r"aider\s*\((?P<model>[^()]*)\)|.*",
            email=r"(?:aider|noreply)@aider\.chat|noreply@aider\.dev",
        ),
    ),
    Detector(
        id="aider.subject",
        tool="aider",
        kind="ai",
        confidence="medium",
        match=MessageMatch(r"aider: \S.*", "aider: ", subject_only=True),
    ),
    # --- GitHub Copilot (Autofix first: it also uses Copilot's and a [bot] address) ---------
    Detector(
        id="copilot-autofix.identity",
        tool="copilot-autofix",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(
            name=r"copilot autofix(?: powered by ai)?|github-advanced-security\[bot\]",
            email=r"(?:\d+\+)?github-advanced-security\[bot\]@users\.noreply\.github\.com",
            either=True,
        ),
    ),
    Detector(
        id="copilot-autofix.subject",
        tool="copilot-autofix",
        kind="ai",
        confidence="medium",
        match=MessageMatch(
            r"Potential fix for (?:code scanning alert no\. ?\d+|pull request finding)\b.*",
            "Potential fix for ",
            subject_only=True,
        ),
    ),
    Detector(
        id="copilot.agent",
        tool="copilot",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(
            name=r"copilot-swe-agent\[bot\]|(?:github-)?copilot\[bot\]",
            email=(
                r"(?:\d+\+)?(?:copilot|copilot-swe-agent\[bot\]|(?:github-)?copilot\[bot\])"
                r"@users\.noreply\.github\.com"
            ),
            either=True,
        ),
    ),
    Detector(
        id="copilot.address",
        tool="copilot",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(email=r"copilot@github\.com"),
    ),
    Detector(
        id="copilot.logs-url",
        tool="copilot",
        kind="ai",
        confidence="strong",
        match=TrailerMatch(
            "agent-logs-url", r"https?://[^/\s]+/[^/\s]+/[^/\s]+/sessions/(?P<session>[^/\s?#]+)\S*"
        ),
    ),
    # Copilot CLI's session trailer beside its `Co-authored-by: Copilot <223556219+Copilot@...>`.
    Detector(
        id="copilot.session",
        tool="copilot",
        kind="ai",
        confidence="strong",
        match=TrailerMatch("copilot-session", r"(?P<session>[0-9a-z][0-9a-z-]{7,63})"),
    ),
    # --- OpenAI Codex -----------------------------------------------------------------------
    # Codex commits its own work with the user as author and itself as committer.
    Detector(
        id="codex.committer",
        tool="codex",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(
            email=r"codex@openai\.com", roles=frozenset(("committer",)), commits_for_user=True
        ),
    ),
    Detector(
        id="codex.identity",
        tool="codex",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(
            name=r".*?\b(?P<model>gpt[ -]?\d[\w.]*(?:-[\w.]+)*).*|.*",
            email=r"(?:noreply|codex)@openai\.com",
        ),
    ),
    Detector(
        id="codex.bot",
        tool="codex",
        kind="ai",
        confidence="strong",
        match=_bot(r"(?:chatgpt-codex-connector|openai-codex)\[bot\]"),
    ),
    # --- Cursor -----------------------------------------------------------------------------
    Detector(
        id="cursor.agent",
        tool="cursor",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(email=r"cursoragent@cursor\.com"),
    ),
    Detector(
        id="cursor.bot",
        tool="cursor",
        kind="ai",
        confidence="strong",
        match=_bot(r"(?:cursor|cursoragent)\[bot\]"),
    ),
    Detector(
        id="cursor.agent-name",
        tool="cursor",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(name=r"cursor agent"),
    ),
    Detector(
        id="cursor.made-with",
        tool="cursor",
        kind="ai",
        confidence="strong",
        match=TrailerMatch("made-with", r"cursor\b.*"),
    ),
    # --- Google -----------------------------------------------------------------------------
    Detector(
        id="gemini-code-assist.bot",
        tool="gemini-code-assist",
        kind="ai",
        confidence="strong",
        match=_bot(r"gemini-code-assist\[bot\]"),
    ),
    Detector(
        id="jules.bot",
        tool="jules",
        kind="ai",
        confidence="strong",
        match=_bot(r"google-labs-jules\[bot\]"),
    ),
    Detector(
        id="gemini-cli.identity",
        tool="gemini-cli",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(email=r"gemini-cli@google\.com"),
    ),
    # --- Other agents -----------------------------------------------------------------------
    Detector(
        id="devin.bot",
        tool="devin",
        kind="ai",
        confidence="strong",
        match=_bot(r"devin-ai-integration\[bot\]"),
    ),
    Detector(
        id="amp.identity",
        tool="amp",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(email=r"amp@ampcode\.com"),
    ),
    Detector(
        id="amp.thread",
        tool="amp",
        kind="ai",
        confidence="strong",
        match=TrailerMatch(r"amp-thread(?:-id)?", _SESSION),
    ),
    Detector(
        id="factory-droid.bot",
        tool="factory-droid",
        kind="ai",
        confidence="strong",
        match=_bot(r"factory-droid\[bot\]"),
    ),
    Detector(
        id="factory-droid.identity",
        tool="factory-droid",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(email=r"droid@factory\.ai"),
    ),
    Detector(
        id="qwen-code.identity",
        tool="qwen-code",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(email=r"qwen-coder@alibabacloud\.com"),
    ),
    Detector(
        id="replit-agent.author",
        tool="replit-agent",
        kind="ai",
        confidence="strong",
        match=TrailerMatch("replit-commit-author", r"agent|assistant"),
    ),
    Detector(
        id="replit-agent.session",
        tool="replit-agent",
        kind="ai",
        confidence="strong",
        match=TrailerMatch("replit-commit-session-id", r"(?P<session>[\w-]+)"),
        standalone=False,
    ),
    # Entire records the agent session behind a commit; which agent is not in the commit, so
    # the checkpoint binds to the one AI tool the commit names, if any.
    Detector(
        id="entire.checkpoint",
        tool=None,
        kind="ai",
        confidence="medium",
        match=TrailerMatch("entire-checkpoint", r"(?P<session>[0-9a-z]{6,64})"),
    ),
    Detector(
        id="cline.bot",
        tool="cline",
        kind="ai",
        confidence="strong",
        match=_bot(r"cline\[bot\]"),
    ),
    Detector(
        id="continue.bot",
        tool="continue",
        kind="ai",
        confidence="strong",
        match=_bot(r"continue\[bot\]"),
    ),
    Detector(
        id="amazon-q.bot",
        tool="amazon-q",
        kind="ai",
        confidence="strong",
        match=_bot(r"amazon-q-developer\[bot\]"),
    ),
    Detector(
        id="sourcegraph-cody.bot",
        tool="sourcegraph-cody",
        kind="ai",
        confidence="strong",
        match=_bot(r"sourcegraph-cody\[bot\]"),
    ),
    Detector(
        id="jetbrains-ai.bot",
        tool="jetbrains-ai",
        kind="ai",
        confidence="strong",
        match=_bot(r"jetbrains-ai\[bot\]"),
    ),
    Detector(
        id="coderabbit.bot",
        tool="coderabbit",
        kind="ai",
        confidence="strong",
        match=_bot(r"coderabbitai\[bot\]"),
    ),
    Detector(
        id="openhands.identity",
        tool="openhands",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(email=r"openhands@all-hands\.dev"),
    ),
    Detector(
        id="opencode.identity",
        tool="opencode",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(email=r"noreply@opencode\.ai"),
    ),
    # Junie's co-author line is a convention users ask it to follow, not its own default.
    Detector(
        id="junie.identity",
        tool="junie",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(email=r"junie@jetbrains\.com"),
    ),
    # Co-author identities agents are told to use (project instructions across many public
    # repositories), not confirmed as the tools' own defaults: medium.
    Detector(
        id="warp.identity",
        tool="warp",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(email=r"(?:oz-)?agent@warp\.dev"),
    ),
    Detector(
        id="goose.identity",
        tool="goose",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(email=r"goose(?:-agent)?@block\.xyz"),
    ),
    Detector(
        id="augment.identity",
        tool="augment",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(email=r"(?:agent|augment|ai)@augmentcode\.com"),
    ),
    Detector(
        id="sweep.bot",
        tool="sweep",
        kind="ai",
        confidence="strong",
        match=_bot(r"sweep-(?:ai|nightly|canary)\[bot\]"),
    ),
    Detector(
        id="crush.identity",
        tool="crush",
        kind="ai",
        confidence="strong",
        match=IdentityMatch(name=r"(?P<model>.+?) via crush|.*", email=r"crush@charm\.land"),
    ),
    Detector(
        id="crush.footer",
        tool="crush",
        kind="ai",
        confidence="strong",
        match=MessageMatch(r"\W*Generated with Crush\W*", "Generated with Crush"),
    ),
    # Any other agent's `🤖 Generated with [Tool](url)` footer (Firebender, opencode...).
    Detector(
        id="footer.generated-with",
        tool=None,
        kind="ai",
        confidence="medium",
        match=MessageMatch(
            r"\W*Generated with \[(?P<tool>[^\[\]]{1,60})\]\(https?://[^()\s]{1,200}\)\W*",
            "Generated with [",
        ),
        refine=_footer,
    ),
    # --- agent signatures and orchestrators --------------------------------------------------
    Detector(
        id="agent-signature.trailer",
        tool=None,
        kind="ai",
        confidence="medium",
        match=TrailerMatch(
            "agent-signature", r"(?P<key>)(?P<signature>\S(?:.*\S)?) on behalf of (?P<human>\S.*)"
        ),
        refine=_signature,
    ),
    Detector(
        id="agent-signature.line",
        tool=None,
        kind="ai",
        confidence="medium",
        match=MessageMatch(
            r"_(?P<signature>[^_\s][^_]{0,80}) on behalf of (?P<human>[^_\s][^_]{0,80})_",
            " on behalf of ",
        ),
        refine=_signature,
    ),
    Detector(
        id="gas-town.identity",
        tool="gas-town",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(name=_GAS_TOWN_AGENT),
    ),
    Detector(
        id="gas-town.crew",
        tool="gas-town",
        kind="ai",
        confidence="weak",
        match=IdentityMatch(name=_GAS_TOWN_CREW),
    ),
    Detector(
        id="gas-town.role-name",
        tool="gas-town",
        kind="ai",
        confidence="weak",
        match=IdentityMatch(name=r"(?-i:mayor|deacon)|refinery|witness"),
    ),
    # Fires from the commit's other traces, never from a name alone (`_gas_town_workers`).
    Detector(
        id=GAS_TOWN_WORKER,
        tool="gas-town",
        kind="ai",
        confidence="medium",
        match=IdentityMatch(name=r"(?!)"),
    ),
    Detector(
        id="gas-town.executed-by",
        tool="gas-town",
        kind="ai",
        confidence="medium",
        match=TrailerMatch("executed-by", rf"{_GAS_TOWN_ROLE}|mayor|deacon|deacon-boot"),
    ),
    # A name that declares itself an agent (`Codex Agent`, `Claude Code`), or a person's name
    # decorated with the tool (`Ryan Newton + Claude`, `Peyman S (via Claude)`).
    Detector(
        id="self-declared.agent-name",
        tool=None,
        kind="ai",
        confidence="weak",
        match=IdentityMatch(
            name=rf"(?P<tool>claude[ -]code|(?:{_KNOWN})(?=[ -](?:agent|bot|assistant)$))"
            r"(?:[ -](?:agent|bot|assistant))?"
        ),
    ),
    Detector(
        id="self-declared.decorated-name",
        tool=None,
        kind="ai",
        confidence="weak",
        match=IdentityMatch(
            name=rf"[^()+]*[^()+\s] (?:\+ |\(via |\(with )(?P<tool>{_KNOWN})\)?",
            roles=NOT_CO_AUTHOR,
            human=True,
        ),
    ),
    # --- Automation that is not AI: after every AI bot, author only ---------------------------
    Detector(
        id="automation.dependabot",
        tool="dependabot",
        kind="automation",
        confidence="strong",
        match=IdentityMatch(
            name=r"dependabot(?:-preview)?\[bot\]",
            email=r"(?:\d+\+)?dependabot(?:-preview)?\[bot\]@users\.noreply\.github\.com|support@dependabot\.com",
            either=True,
            roles=AUTHOR_ONLY,
        ),
    ),
    Detector(
        id="automation.renovate",
        tool="renovate",
        kind="automation",
        confidence="strong",
        match=IdentityMatch(
            name=r"renovate(?:-bot)?\[bot\]|renovate bot",
            email=r"(?:\d+\+)?renovate(?:-bot)?\[bot\]@users\.noreply\.github\.com|bot@renovateapp\.com",
            either=True,
            roles=AUTHOR_ONLY,
        ),
    ),
    Detector(
        id="automation.github-actions",
        tool="github-actions",
        kind="automation",
        confidence="strong",
        match=IdentityMatch(
            name=r"github-actions\[bot\]",
            email=r"(?:\d+\+)?github-actions\[bot\]@users\.noreply\.github\.com|(?:github-)?actions?@github\.com",
            either=True,
            roles=AUTHOR_ONLY,
        ),
    ),
    Detector(
        id="automation.pre-commit-ci",
        tool="pre-commit-ci",
        kind="automation",
        confidence="strong",
        match=_bot(r"pre-commit-ci(?:-lite)?\[bot\]", roles=AUTHOR_ONLY),
    ),
    Detector(
        id="automation.release-bot",
        tool=None,
        kind="automation",
        confidence="strong",
        match=IdentityMatch(
            email=r"semantic-release-bot@martynus\.net|snyk-bot@snyk\.io|bot@stepsecurity\.io",
            roles=AUTHOR_ONLY,
        ),
    ),
    # Release and CI robots recognised by identity (`gemini-cli-robot`, `goreleaserbot`,
    # `CI Bot <ci@...>`): automation, not unknown.
    Detector(
        id="automation.robot",
        tool=None,
        kind="automation",
        confidence="medium",
        match=IdentityMatch(
            name=r"[\w.-]+-robot|goreleaser(?:bot)?|ci(?:[ -]bot)?",
            email=r"(?:\d+\+)?[\w.+-]+-robot@[\w.-]+|bot@goreleaser\.com|ci@[\w.-]+",
            either=True,
            roles=AUTHOR_ONLY,
        ),
    ),
    Detector(
        id="automation.bot",
        tool=None,
        kind="automation",
        confidence="medium",
        match=IdentityMatch(
            name=r".*\S\[bot\]",
            email=r"(?:\d+\+)?[^@\s]+\[bot\]@users\.noreply\.github\.com",
            either=True,
            roles=AUTHOR_ONLY,
        ),
    ),
)


# --- look-alike characters ------------------------------------------------------------------

# Characters that render as nothing (zero-width, soft hyphen, bidirectional controls): an
# `AI-Assisted` key with a zero-width space inside it is still `AI-Assisted` to a reader.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d"
        "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067"
        "\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufe00\ufe0f\ufeff\uffa0",
    ),
    None,
)
# Cyrillic and Greek letters that look like Latin ones and that NFKC leaves alone (the cheap
# part of Unicode's confusables table: the letters of every tool name and trailer key).
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁԛԝһӏвкмнтАВЕКМНОРСТХІЈЅοαερτυικνχΑΒΕΖΗΙΚΜΝΟΡΤΥΧıɑɡ‐‑‒–—―−",
    "aeopcyxijsdqwhlbkmhtABEKMHOPCTXIJSoaeptuiknxABEZHIKMNOPTYXiag-------",
)


def plain_text(text: str) -> str:
    """`text` as a reader sees it: NFKC, invisible characters dropped, Latin look-alikes
    mapped to Latin, whitespace runs collapsed. Plain ASCII (nearly every commit) skips the
    Unicode work; the result is only matched, never shown."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_CONFUSABLES)
    return " ".join(text.split())


@lru_cache(maxsize=1024)
def fold_key(key: str) -> str:
    """A trailer key for matching: look-alikes folded, spaces and `_` dropped, casefolded."""
    return plain_text(key).replace(" ", "").replace("_", "-").casefold()


# --- compiled once at import --------------------------------------------------------------

# Crafted input must not slow detection down: no marker value is longer than this (a longer
# one is cut, so a real marker padded with junk still fires), and a commit's first
# `MAX_TRAILERS` trailer lines are read (a real message has a handful).
MAX_VALUE = 512
MAX_IDENTITY = 256
_IDENTITY_INPUT = 4096  # raw characters kept before folding (whitespace padding included)
MAX_TRAILERS = 1000
MAX_LINE = 1000  # message lines longer than this are prose, never a footer

_FLAGS = re.IGNORECASE | re.DOTALL


@dataclass(frozen=True, slots=True)
class _Identity:
    detector: Detector
    name: re.Pattern[str] | None
    email: re.Pattern[str] | None

    def match(self, name: str, email: str) -> dict[str, str | None] | None:
        m = self.detector.match
        assert isinstance(m, IdentityMatch)
        hits = []
        for pattern, text in ((self.name, name), (self.email, email)):
            if pattern is None:
                continue
            found = pattern.fullmatch(text)
            if found is None and not m.either:
                return None
            if found is not None:
                hits.append(found)
        if not hits:
            return None
        groups: dict[str, str | None] = {}
        for found in hits:
            for key, value in found.groupdict().items():
                if value and not groups.get(key):
                    groups[key] = value
        return groups


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


_TRAILERS: list[tuple[Detector, re.Pattern[str], re.Pattern[str]]] = []
_IDENTITIES: list[_Identity] = []
_MESSAGES: list[tuple[Detector, re.Pattern[str], MessageMatch]] = []
for _d in DETECTORS:
    if isinstance(_d.match, TrailerMatch):
        _TRAILERS.append((_d, _compile(_d.match.key), _compile(_d.match.value)))
    elif isinstance(_d.match, IdentityMatch):
        _IDENTITIES.append(
            _Identity(
                _d,
                _compile(_d.match.name) if _d.match.name else None,
                _compile(_d.match.email) if _d.match.email else None,
            )
        )
    else:
        _MESSAGES.append((_d, _compile(_d.match.pattern), _d.match))

# Necessary condition for any identity rule: a name or an email some rule could accept.
# Rules whose name pattern accepts anything (they key on the email) contribute only the email.
_GROUP = re.compile(r"\(\?P<\w+>")


def _unnamed(pattern: str) -> str:
    return _GROUP.sub("(?:", pattern)


_ANY_NAME = _compile(
    "|".join(
        f"(?:{_unnamed(i.detector.match.name)})"
        for i in _IDENTITIES
        if isinstance(i.detector.match, IdentityMatch)
        and i.detector.match.name
        and (i.detector.match.either or not i.detector.match.email)
    )
)
_ANY_EMAIL = _compile(
    "|".join(
        f"(?:{_unnamed(i.detector.match.email)})"
        for i in _IDENTITIES
        if isinstance(i.detector.match, IdentityMatch) and i.detector.match.email
    )
)
_KEY_SHAPE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@lru_cache(maxsize=1024)
def _rules_for_key(key: str) -> tuple[tuple[Detector, re.Pattern[str]], ...]:
    """The trailer rules for one folded key; keys repeat, so this is memoised."""
    if not _KEY_SHAPE.fullmatch(key):
        return ()
    return tuple((d, value) for d, k, value in _TRAILERS if k.fullmatch(key))


# Cheap test before the line-by-line scan of a message: every key some row reads contains one
# of these words (a test keeps it so), whatever its case or separators. Non-ASCII messages are
# always scanned, since look-alike characters hide keys from a literal search.
KEY_WORDS = (
    "authored",
    "assisted",
    "session",
    "made",
    "thread",
    "logs",
    "generated",
    "signature",
    "executed",
    "checkpoint",
    "replit",
)


def _may_hold_marker_lines(message: str) -> bool:
    if not message.isascii():
        return True
    low = message.lower()
    for word in KEY_WORDS:  # noqa: SIM110 (a generator costs more than the searches)
        if word in low:
            return True
    return False


def is_marker_key(key: str) -> bool:
    """Whether some row of the table reads trailers with this key (any spelling)."""
    folded = fold_key(key)
    return folded in IDENTITY_KEYS or bool(_rules_for_key(folded))


Classified = tuple[tuple[Detector, dict[str, str | None]], ...]


@lru_cache(maxsize=8192)
def _classify(name: str, email: str) -> Classified:
    """Every identity rule this person matches, in table order (memoised: people repeat).

    Names and emails are matched as a reader sees them (look-alikes folded) and cut at
    `MAX_IDENTITY` characters, so a crafted identity costs no more than a real one.
    """
    name = plain_text(name)[:MAX_IDENTITY]
    email = plain_text(email)[:MAX_IDENTITY]
    if not (_ANY_NAME.fullmatch(name) or _ANY_EMAIL.fullmatch(email)):
        return ()
    found = []
    for rule in _IDENTITIES:
        groups = rule.match(name, email)
        if groups is not None:
            found.append((rule.detector, groups))
    return tuple(found)


def classify_identity(person: Person) -> Detector | None:
    """The detector that recognises this person as a tool, a bot or a decorated human."""
    found = _classify(person.name[:_IDENTITY_INPUT], person.email[:_IDENTITY_INPUT])
    return found[0][0] if found else None


def is_bot_identity(person: Person) -> bool:
    """True when a detector says this identity is an agent or automation, not a person."""
    detector = classify_identity(person)
    return (
        detector is not None
        and isinstance(detector.match, IdentityMatch)
        and not detector.match.human
    )


def parse_person(value: str) -> Person:
    """`Name <email>` from a trailer value; a value without brackets is all name.

    String operations, not a regular expression: a value of thousands of spaces must cost
    one pass.
    """
    text = value.strip()
    if text.endswith(">"):
        start = text.rfind("<")
        email = text[start + 1 : -1] if start >= 0 else ""
        if start >= 0 and "<" not in email and ">" not in email:
            return Person(text[:start].strip(), email.strip())
    return Person(text, "")


def normalize_tool(text: str | None) -> str | None:
    """Canonical tool id for a free-form tool name (`GitHub Copilot` -> `copilot`)."""
    if not text:
        return None
    words = plain_text(text).lower().split(" ")
    for n in range(min(len(words), 4), 0, -1):  # the longest known prefix wins
        alias = TOOL_ALIASES.get("-".join(words[:n]))
        if alias:
            return alias
    return "-".join(words)[:64] or None


def _normalize_session(text: str | None) -> str | None:
    return (text.strip()[:MAX_VALUE] or None) if text else None


def _marker(
    detector: Detector,
    groups: dict[str, str | None],
    evidence: str,
    *,
    source: Source | None = None,
    kind: Kind | None = None,
    confidence: Confidence | None = None,
) -> Marker:
    return Marker(
        detector=detector.id,
        kind=kind or detector.kind,
        tool=detector.tool or normalize_tool(groups.get("tool")),
        source=source or detector.source,
        confidence=confidence or detector.confidence,
        evidence=evidence,
        model=normalize_model(groups.get("model")),
        session=_normalize_session(groups.get("session")),
    )


def _identity_marker(person: Person, role: Role, evidence: str | None = None) -> Marker | None:
    # cut before the memoised classification, so hostile megabyte names cannot fill the cache
    name, email = person.name[:_IDENTITY_INPUT], person.email[:_IDENTITY_INPUT]
    for detector, groups in _classify(name, email):
        assert isinstance(detector.match, IdentityMatch)
        if role not in detector.match.roles:
            continue
        kind: Kind = detector.kind
        confidence = detector.confidence
        # An AI identity that only committed shows the tool was involved, not that it wrote
        # it; unless the tool commits its own work under the user's name (Codex cloud).
        if role == "committer" and kind == "ai":
            if detector.match.commits_for_user:
                confidence = "medium"
            else:
                kind = "ambiguous"
        source: Source = "identity" if role != "co-author" else "trailer"
        text = str(person) if evidence is None else evidence
        return _marker(detector, groups, text, source=source, kind=kind, confidence=confidence)
    return None


def _refined(detector: Detector, found: re.Match[str], text: str) -> dict[str, str | None] | None:
    groups = found.groupdict()
    return detector.refine(groups, text) if detector.refine else groups


def _trailer_markers(key: str, value: str, where: str = "") -> list[Marker]:
    """The markers one `key: value` line gives (identity keys first, then the key's rules).

    The evidence is the line as written, followed by `where` it was found.
    """
    if len(key) > 64:
        return []  # no key of the table is this long; and memoised folding stays small
    folded = fold_key(key)
    out: list[Marker] = []
    if folded in IDENTITY_KEYS:
        person = parse_person(value)
        found = _identity_marker(person, "co-author", f"{key}: {value}{where}")
        if found is not None or folded in CO_AUTHOR_KEYS:
            return [found] if found is not None else []
    rules = _rules_for_key(folded)
    if not rules:
        return out
    text = plain_text(value)[:MAX_VALUE]
    for detector, pattern in rules:
        found_value = pattern.fullmatch(text)
        if found_value is None:
            continue
        groups = _refined(detector, found_value, text)
        if groups is None:
            continue
        out.append(_marker(detector, groups, f"{key}: {value}{where}"))
        break  # first rule for a trailer wins: `AI-Assisted: none` before the tool form
    return out


def _body_trailers(message: str, known: set[tuple[str, str]]) -> Iterable[tuple[str, str, int]]:
    """Trailer-shaped marker lines outside git's final trailer block.

    Forges' squash merges stack each pull-request commit's message, so its `Co-authored-by`
    and agent trailers sit mid-message, followed by more paragraphs. A line counts only when
    it starts the line, outside a fenced code block, with a key some row reads; the value
    must still satisfy that row, so prose that mentions a tool does not fire. A co-author
    whose `<email>` was wrapped onto the next line is joined back.
    """
    fenced = False
    lines = message.split("\n")
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r")
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or not line or line[0].isspace() or len(line) > MAX_LINE * 8:
            continue
        key, sep, value = line.partition(":")
        if not sep or len(key) > 64 or not is_marker_key(key):
            continue
        key, value = key.strip(), value.strip()
        if fold_key(key) in IDENTITY_KEYS and "<" not in value and number < len(lines):
            following = lines[number].strip()
            if following.startswith("<") and following.endswith(">") and len(following) < 200:
                value = f"{value} {following}"
        if (fold_key(key), plain_text(value)) in known:
            continue
        yield key, value, number


def find_markers(commit: Commit) -> list[Marker]:
    """Every marker the table finds in a commit: identities, then trailers, then message.

    Trailers are git's own final block first, then marker lines elsewhere in the message
    (their evidence says where). At most `MAX_TRAILERS` lines are read in all.
    """
    markers: list[Marker] = []
    people: tuple[tuple[Role, Person], ...] = (
        ("author", commit.author),
        ("committer", commit.committer),
    )
    for role, person in people:
        found = _identity_marker(person, role)
        if found is not None:
            markers.append(found)
    markers += _gas_town_workers(commit, markers)
    trailers = list(dict.fromkeys(commit.trailers))[:MAX_TRAILERS]
    for key, value in trailers:
        markers += _trailer_markers(key, value)
    message = commit.message
    budget = MAX_TRAILERS - len(trailers)
    if budget > 0 and _may_hold_marker_lines(message):
        known = {(fold_key(k), plain_text(v)) for k, v in trailers}
        for key, value, number in _body_trailers(message, known):
            if budget <= 0:
                break
            budget -= 1
            known.add((fold_key(key), plain_text(value)))
            where = f" (line {number}, outside the final trailer block)"
            markers += _trailer_markers(key, value, where)
    # Footers and subjects are matched as a reader sees them too: a message with non-ASCII
    # characters is folded line by line (look-alikes, invisibles, odd spacing) once.
    seen = (
        message
        if message.isascii()
        else "\n".join(plain_text(line) for line in message.split("\n"))
    )
    for detector, pattern, m in _MESSAGES:
        if m.subject_only:
            if seen.startswith(m.needle):
                subject = seen.split("\n", 1)[0].strip()[:MAX_LINE]
                found_subject = pattern.fullmatch(subject)
                if found_subject:
                    groups = _refined(detector, found_subject, subject)
                    if groups is not None:
                        markers.append(_marker(detector, groups, commit.subject.strip()[:MAX_LINE]))
        elif m.needle in seen:
            originals = message.split("\n")
            for number, line in enumerate(seen.split("\n")):
                if m.needle not in line or len(line) > MAX_LINE:
                    continue
                text = line.strip()
                found_line = pattern.fullmatch(text)
                groups = _refined(detector, found_line, text) if found_line else None
                if groups is not None:
                    original = originals[number] if number < len(originals) else line
                    markers.append(_marker(detector, groups, original.strip()))
                    break
    return _bind(markers) if markers else markers


def _gas_town_workers(commit: Commit, identities: list[Marker]) -> list[Marker]:
    """Gas Town agents under a bare name (`furiosa <overseer@...>`), known from the commit:

    - medium: another identity on the commit is a Gas Town agent at the same email, or the
      name is the last part of a Gas Town identity or `Executed-By:` actor on the commit
      (`emma` beside `beads/crew/emma`);
    - weak: a name from Gas Town's built-in pools at the email of the commit's other identity,
      which names itself differently (`max <steve@...>` committed by `Steve Yegge <steve@...>`).

    A name that is its email's own handle (`steve <steve@...>`, `julianknutsen <...+julianknutsen
    @users.noreply.github.com>`) is a person, never a worker.
    """
    gas_town = {m.evidence for m in identities if m.tool == "gas-town"}
    actors = [v.strip() for v in commit.trailer_values("executed-by")]
    if (
        not gas_town
        and not actors
        and not (
            commit.author.email.strip().lower() == commit.committer.email.strip().lower()
            and commit.author.name != commit.committer.name
        )
    ):
        return []  # the usual commit: costs two comparisons
    agent_names = {e.split(" <", 1)[0].rsplit("/", 1)[-1] for e in gas_town}
    agent_names |= {actor.rsplit("/", 1)[-1] for actor in actors}
    pairs = ((commit.author, commit.committer), (commit.committer, commit.author))
    out = []
    for role, (person, other) in zip(("author", "committer"), pairs, strict=True):
        name, email = person.name.strip(), person.email.strip().lower()
        if str(person) in gas_town or not _GAS_TOWN_BARE.fullmatch(name) or _handle(name, email):
            continue
        same_mailbox = bool(email) and email == other.email.strip().lower()
        confidence: Confidence | None = None
        if (same_mailbox and str(other) in gas_town) or name in agent_names:
            confidence = "medium"
        elif name in _GAS_TOWN_NAMES and same_mailbox and other.name.strip() != name:
            confidence = "weak"
        if confidence is None:
            continue
        detector = _DETECTOR[GAS_TOWN_WORKER]
        kind: Kind = "ai" if role == "author" else "ambiguous"
        out.append(
            _marker(detector, {}, str(person), source="identity", kind=kind, confidence=confidence)
        )
    return out


def _handle(name: str, email: str) -> bool:
    """Whether `name` is the handle its email is built on (a person's own login)."""
    local = email.partition("@")[0]
    login = local.rsplit("+", 1)[-1]  # GitHub's `123+login@users.noreply.github.com`
    return name in (local, login) or name == local.split(".")[0]


def _bind(markers: list[Marker]) -> list[Marker]:
    """Attach sessions and models to the right tool; drop traces another marker supersedes."""
    markers = list(dict.fromkeys(markers))
    ai = [m for m in markers if m.kind == "ai"]
    standalone_tools = {m.tool for m in ai if m.tool and _DETECTOR[m.detector].standalone}
    markers = [
        m
        for m in markers
        if _DETECTOR.get(m.detector, _NO_DETECTOR).standalone or m.tool in standalone_tools
    ]
    # A tool-less session (AI-Session, Entire-Checkpoint) belongs to the declared tool, else to
    # the only AI tool the commit names.
    declared = [m.tool for m in markers if m.detector == "signoff.ai-assisted" and m.tool]
    named = list(dict.fromkeys(m.tool for m in markers if m.kind == "ai" and m.tool))
    owner = declared[0] if declared else (named[0] if len(named) == 1 else None)
    if owner:
        markers = [
            replace(m, tool=owner) if m.kind == "ai" and not m.tool and m.session else m
            for m in markers
        ]
    # Within one tool, a single model and a single session describe every trace of that tool.
    markers = _fill(markers, lambda m: m.model, lambda m, v: replace(m, model=v))
    markers = _fill(markers, lambda m: m.session, lambda m, v: replace(m, session=v))
    ai_tools = {m.tool for m in markers if m.kind == "ai" and m.tool}
    markers = [m for m in markers if not (m.kind == "ambiguous" and m.tool in ai_tools)]
    return list(dict.fromkeys(markers))


def _fill(
    markers: list[Marker],
    get: Callable[[Marker], str | None],
    put: Callable[[Marker, str], Marker],
) -> list[Marker]:
    """Give every AI marker of a tool the tool's value when the commit names exactly one."""
    values: dict[str, set[str]] = {}
    for m in markers:
        value = get(m)
        if m.kind == "ai" and m.tool and value:
            values.setdefault(m.tool, set()).add(value)
    out = []
    for m in markers:
        only = values.get(m.tool or "", set())
        if m.kind == "ai" and m.tool and get(m) is None and len(only) == 1:
            m = put(m, next(iter(only)))
        out.append(m)
    return out


_DETECTOR: dict[str, Detector] = {d.id: d for d in DETECTORS}
_NO_DETECTOR = Detector("", None, "ambiguous", "weak", MessageMatch("", ""))


def detector_ids() -> Iterable[str]:
    """Every detector id, in table order (for docs and tests)."""
    return (d.id for d in DETECTORS)
