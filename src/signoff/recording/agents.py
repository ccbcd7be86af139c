"""Which AI agent is making this commit, read from the environment the agent gives its shell.

Agents set variables in the shell they run commands in (Claude Code sets `CLAUDECODE=1`, Gemini
CLI `GEMINI_CLI=1`, Codex `CODEX_THREAD_ID`, ...). A `git commit` the agent runs passes that
environment to the hooks, which is how Signoff knows, at commit time, that an agent made the
change. Every row of `SIGNALS` cites its evidence in docs/recording.md; nothing is guessed: a
model or session is recorded only when the agent itself exposes one.

An explicit declaration always wins over detection: `--ai TOOL[/MODEL]` or `--human` on the
command line, then `SIGNOFF_AI=TOOL[/MODEL]` (or `none`), then an `AI-Assisted:` trailer the
committer wrote, then detection, then `git config signoff.ai`. One exception: a message that says
`AI-Assisted: none` while an agent's environment is present may be the agent's own text, so the
environment evidence is recorded anyway (in a note, the message left as written) and readers
report the conflict. No signal at all means no decision:
unknown stays unknown.

Runs inside the commit hooks: standard library only, no `re`, no dataclasses.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

HUMAN_WORDS = frozenset(("none", "no", "false", "human"))
OFF_VALUES = frozenset(("", "0", "false", "no"))
# Appended to the evidence of a note recorded over a message that says `AI-Assisted: none`.
CONFLICT = "; the message says AI-Assisted: none"

# Lower-case names in the form the marker table uses (`signoff.provenance.markers.TOOL_ALIASES`).
TOOL_ALIASES: dict[str, str] = {
    "claude": "claude-code",
    "claudecode": "claude-code",
    "claude-code": "claude-code",
    "codex": "codex",
    "codex-cli": "codex",
    "openai-codex": "codex",
    "cursor": "cursor",
    "cursor-agent": "cursor",
    "cursor-cli": "cursor",
    "gemini": "gemini-cli",
    "gemini-cli": "gemini-cli",
    "copilot": "copilot",
    "copilot-cli": "copilot",
    "github-copilot": "copilot",
    "github-copilot-vscode": "copilot",
    "qwen": "qwen-code",
    "qwen-code": "qwen-code",
    "auggie": "augment",
    "augment": "augment",
    "augment-cli": "augment",
    "droid": "factory-droid",
    "kilo": "kilo-code",
    "kilocode": "kilo-code",
}


class AgentUse:
    """One tool that took part in the change: tool, and model and session when exposed."""

    __slots__ = ("model", "session", "tool")

    def __init__(self, tool: str, model: str | None = None, session: str | None = None) -> None:
        self.tool = tool
        self.model = model
        self.session = session

    def label(self) -> str:
        """`tool[/model]`, the value of an `AI-Assisted:` trailer."""
        return f"{self.tool}/{self.model}" if self.model else self.tool

    def to_json(self) -> dict[str, str | None]:
        return {"tool": self.tool, "model": self.model, "session": self.session}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AgentUse) and (self.tool, self.model, self.session) == (
            other.tool,
            other.model,
            other.session,
        )

    def __hash__(self) -> int:
        return hash((self.tool, self.model, self.session))

    def __repr__(self) -> str:
        return f"AgentUse({self.tool!r}, {self.model!r}, {self.session!r})"


class Decision:
    """What the hook records: AI (with its tools) or a declared human change, and why."""

    __slots__ = ("conflict", "evidence", "source", "status", "tools")

    def __init__(
        self,
        status: str,
        tools: Sequence[AgentUse],
        source: str,
        evidence: str,
        *,
        conflict: bool = False,
    ) -> None:
        self.status = status  # "ai" or "human"
        self.tools = tuple(tools)
        self.source = source  # "flag", "SIGNOFF_AI", "trailer", "env", "config"
        self.evidence = evidence
        # the message declares `AI-Assisted: none` while an agent's environment is present
        self.conflict = conflict

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "tools": [t.to_json() for t in self.tools],
            "source": self.source,
            "evidence": self.evidence,
        }


class Signal:
    """One environment variable (or pair) an agent is known to set for its shell commands."""

    __slots__ = ("also", "model_var", "session_var", "tool", "value", "var")

    def __init__(
        self,
        tool: str,
        var: str,
        *,
        value: str | None = None,
        also: str | None = None,
        session_var: str | None = None,
        model_var: str | None = None,
    ) -> None:
        self.tool = tool
        self.var = var
        self.value = value  # None: any value that is not empty or "0"/"false"
        self.also = also  # a second variable that must be set too
        self.session_var = session_var
        self.model_var = model_var

    def matches(self, env: Mapping[str, str]) -> bool:
        got = env.get(self.var)
        if got is None:
            return False
        if self.value is not None:
            if got.strip().lower() != self.value:
                return False
        elif got.strip().lower() in OFF_VALUES:
            return False
        return not self.also or env.get(self.also, "").strip().lower() not in OFF_VALUES


# Order matters when several agents' variables are present: an agent started from another
# agent's terminal inherits the outer one's variables, so the more specific signals come first
# and Claude Code's CLAUDECODE (also reported to leak into IDE terminals) comes last.
SIGNALS: tuple[Signal, ...] = (
    Signal("codex", "CODEX_THREAD_ID", session_var="CODEX_THREAD_ID"),
    Signal("codex", "CODEX_SANDBOX", session_var="CODEX_THREAD_ID"),
    Signal("codex", "CODEX_SANDBOX_NETWORK_DISABLED", session_var="CODEX_THREAD_ID"),
    Signal("cursor", "CURSOR_AGENT"),
    Signal("gemini-cli", "GEMINI_CLI", model_var="GEMINI_MODEL"),
    Signal("qwen-code", "QWEN_CODE", session_var="QWEN_CODE_SESSION_ID"),
    Signal("copilot", "COPILOT_AGENT_JOB_ID", session_var="COPILOT_AGENT_SESSION_ID"),
    Signal("copilot", "COPILOT_AGENT_SESSION_ID", session_var="COPILOT_AGENT_SESSION_ID"),
    Signal("copilot", "COPILOT_CLI", session_var="COPILOT_AGENT_SESSION_ID"),
    Signal("amp", "AMP_CURRENT_THREAD_ID", session_var="AMP_CURRENT_THREAD_ID"),
    Signal("amp", "AGENT", value="amp", session_var="AMP_CURRENT_THREAD_ID"),
    Signal("goose", "GOOSE_TERMINAL", session_var="AGENT_SESSION_ID"),
    Signal("goose", "AGENT", value="goose", session_var="AGENT_SESSION_ID"),
    Signal("kilo-code", "OPENCODE", also="KILO_PID"),
    Signal("opencode", "OPENCODE", session_var="OPENCODE_SESSION_ID"),
    Signal("cline", "CLINE_ACTIVE"),
    Signal("windsurf", "WINDSURF_CASCADE_TERMINAL"),
    Signal("augment", "AUGMENT_AGENT"),
    Signal("crush", "CRUSH"),
    Signal("crush", "AGENT", value="crush"),
    Signal(
        "claude-code",
        "CLAUDECODE",
        session_var="CLAUDE_CODE_SESSION_ID",
        model_var="ANTHROPIC_MODEL",
    ),
)


def detect_agent(env: Mapping[str, str]) -> tuple[AgentUse, str] | None:
    """The agent this environment belongs to, and the evidence (`NAME=value`) that shows it."""
    author = env.get("GIT_AUTHOR_NAME", "")
    if author.endswith(" (aider)"):
        # aider commits its own edits with the author name suffixed (`aider --attribute-author`,
        # its default); a committer-only suffix means aider committed the human's own changes.
        return AgentUse("aider"), f"GIT_AUTHOR_NAME={_clean(author, 120)}"
    for signal in SIGNALS:
        if signal.matches(env):
            use = AgentUse(
                signal.tool,
                _model(env.get(signal.model_var)) if signal.model_var else None,
                _clean(env.get(signal.session_var), 200) if signal.session_var else None,
            )
            evidence = f"{signal.var}={_clean(env[signal.var], 80)}"
            if signal.also:
                evidence += f" {signal.also}={_clean(env.get(signal.also), 40)}"
            if signal.tool == "claude-code" and env.get("CLAUDE_CODE_ENTRYPOINT"):
                evidence += f" CLAUDE_CODE_ENTRYPOINT={_clean(env['CLAUDE_CODE_ENTRYPOINT'], 40)}"
            return use, evidence
    advertised = env.get("AI_AGENT", "").strip()
    if advertised and advertised.lower() not in OFF_VALUES:
        tool = tool_from_advertised(advertised)
        if tool:
            if tool == "claude-code":
                session = _clean(env.get("CLAUDE_CODE_SESSION_ID"), 200)
                use = AgentUse(tool, _model(env.get("ANTHROPIC_MODEL")), session)
            else:
                use = AgentUse(tool)
            return use, f"AI_AGENT={_clean(advertised, 80)}"
    return None


def tool_from_advertised(value: str) -> str | None:
    """A tool name from an `AI_AGENT` value: `claude-code_2-1-263_agent` -> `claude-code`."""
    text = value.strip().lower().split("@", 1)[0]
    parts = [p for p in text.replace(" ", "_").split("_") if p and p != "agent"]
    kept = [p for p in parts if not p[0].isdigit()]
    return normalise_tool("-".join(kept)) if kept else None


def normalise_tool(name: str) -> str:
    """Lower case, runs of space and underscore as `-`, known aliases folded, odd bytes dropped."""
    text = "-".join(name.strip().lower().replace("_", " ").split())
    text = "".join(c for c in text if c.isalnum() or c in "-.+")[:64].strip("-.")
    return TOOL_ALIASES.get(text, text)


def parse_declaration(text: str) -> tuple[AgentUse, ...] | None:
    """`TOOL[/MODEL][,TOOL[/MODEL]...]` as tool uses; `none` as () (a human change).

    Returns None for text that names nothing (empty or only separators).
    """
    text = text.strip()
    if text.lower() in HUMAN_WORDS:
        return ()
    uses: list[AgentUse] = []
    for part in text.split(","):
        tool, _, model = part.partition("/")
        name = normalise_tool(tool)
        if name:
            uses.append(AgentUse(name, _model(model)))
    return tuple(uses) or None


def decide(
    *,
    env: Mapping[str, str],
    flag: str | None = None,
    trailers: Sequence[tuple[str, str]] = (),
    config: Callable[[], str | None] | None = None,
) -> Decision | None:
    """The status to record for a commit, from the strongest signal present (see module doc)."""
    detected = detect_agent(env)
    if flag is not None:
        declared = parse_declaration(flag)
        if declared is not None:
            evidence = "--human" if not declared else f"--ai {flag.strip()}"
            return _declared(declared, "flag", evidence, detected)
    if env.get("SIGNOFF_AI", "").strip():
        value = env["SIGNOFF_AI"].strip()
        declared = parse_declaration(value)
        if declared is not None:
            return _declared(declared, "SIGNOFF_AI", f"SIGNOFF_AI={_clean(value, 80)}", detected)
    written, none_written = trailer_tools(trailers)
    if none_written and detected is not None:
        # The message is the agent's own text: it cannot erase what its environment shows.
        use, evidence = detected
        return Decision("ai", (use,), "env", f"{evidence}{CONFLICT}", conflict=True)
    if none_written:
        return Decision("human", (), "trailer", "AI-Assisted: none")
    if detected is not None:
        use, evidence = detected
        return Decision("ai", merge_tools([use, *written]), "env", evidence)
    if written:
        evidence = "; ".join(f"AI-Assisted: {t.label()}" for t in written)
        return Decision("ai", written, "trailer", evidence)
    configured = config() if config is not None else None
    if configured:
        declared = parse_declaration(configured)
        if declared is not None:
            return _declared(declared, "config", f"signoff.ai={_clean(configured, 80)}", None)
    return None


def _declared(
    declared: tuple[AgentUse, ...],
    source: str,
    evidence: str,
    detected: tuple[AgentUse, str] | None,
) -> Decision:
    if not declared:
        return Decision("human", (), source, evidence)
    if detected is not None:
        # a declaration names the tool; the agent's own variables may still add model or session
        found = detected[0]
        declared = tuple(
            AgentUse(u.tool, u.model or found.model, found.session) if u.tool == found.tool else u
            for u in declared
        )
    return Decision("ai", declared, source, evidence)


def trailer_tools(trailers: Sequence[tuple[str, str]]) -> tuple[list[AgentUse], bool]:
    """Tools that `AI-Assisted:` trailers name (session: `AI-Session:`); whether one said none."""
    uses: list[AgentUse] = []
    said_none = False
    session = None
    for key, value in trailers:
        k = key.strip().lower()
        if k == "ai-session" and session is None:
            session = _clean(value, 200)
        elif k == "ai-assisted":
            declared = parse_declaration(value)
            if declared == ():
                said_none = True
            elif declared:
                uses.extend(declared)
    if session and uses and not uses[0].session:
        uses[0] = AgentUse(uses[0].tool, uses[0].model, session)
    return merge_tools(uses), said_none and not uses


def merge_tools(uses: Sequence[AgentUse]) -> list[AgentUse]:
    """One entry per tool, the first one's fields completed by later ones."""
    merged: dict[str, AgentUse] = {}
    for use in uses:
        have = merged.get(use.tool)
        if have is None:
            merged[use.tool] = use
        else:
            merged[use.tool] = AgentUse(
                use.tool, have.model or use.model, have.session or use.session
            )
    return list(merged.values())


def _model(value: str | None) -> str | None:
    from signoff.provenance.names import normalize_model

    return normalize_model(_clean(value, 120))


def _clean(value: str | None, limit: int) -> str | None:
    """A single-line, bounded copy of an environment value (they end up in commit trailers)."""
    if not value:
        return None
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return text[:limit] or None
