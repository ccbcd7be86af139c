"""The marker table, exercised on real commits read back through `git log`.

`CASES` holds one commit per detector (the table and this list grow together: adding a tool is
one `DETECTORS` entry plus one case here); the tests after it pin precedence, session binding,
what must never fire, and robustness on odd input.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from signoff.git import Repo
from signoff.git.log import iter_commits, read_commit
from signoff.provenance.markers import (
    DETECTORS,
    detector_ids,
    find_markers,
    normalize_model,
    normalize_tool,
)
from signoff.provenance.model import Marker
from tests.gitrepo import GitRepo

HUMAN = ("Ada Lovelace", "ada@example.com")
GITHUB = ("GitHub", "noreply@github.com")
COPILOT_AGENT = ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com")


def commit_markers(
    repo: GitRepo,
    message: str | bytes,
    author: tuple[str, str] = HUMAN,
    committer: tuple[str, str] | None = None,
) -> list[Marker]:
    """Commit for real, read the commit back through git, and run the table over it."""
    repo.commit(message, author=author, committer=committer or author, allow_empty=True)
    return find_markers(read_commit(Repo.discover(repo.path), "HEAD"))


def M(
    detector: str,
    kind: str,
    tool: str | None,
    source: str,
    confidence: str,
    evidence: str,
    model: str | None = None,
    session: str | None = None,
) -> Marker:
    return Marker(detector, kind, tool, source, confidence, evidence, model, session)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    detector: str
    message: str
    expected: list[Marker]
    author: tuple[str, str] = HUMAN
    committer: tuple[str, str] | None = None


CASES: list[Case] = [
    # Signoff's own trailers and project policies
    Case(
        "signoff.ai-assisted-none",
        "Fix typo\n\nAI-Assisted: none\n",
        [M("signoff.ai-assisted-none", "human", None, "trailer", "strong", "AI-Assisted: none")],
    ),
    Case(
        "signoff.ai-assisted",
        "Add cache\n\nAI-Assisted: claude-code/claude-opus-4.5\nAI-Assisted: cursor\n",
        [
            M(
                "signoff.ai-assisted",
                "ai",
                "claude-code",
                "trailer",
                "strong",
                "AI-Assisted: claude-code/claude-opus-4.5",
                model="claude-opus-4-5",
            ),
            M("signoff.ai-assisted", "ai", "cursor", "trailer", "strong", "AI-Assisted: cursor"),
        ],
    ),
    Case(
        "signoff.ai-session",
        "Add cache\n\nAI-Assisted: codex/gpt-5.5\nAI-Session: 7f3a9c\n",
        [
            M(
                "signoff.ai-assisted",
                "ai",
                "codex",
                "trailer",
                "strong",
                "AI-Assisted: codex/gpt-5.5",
                model="gpt-5.5",
                session="7f3a9c",
            ),
            M(
                "signoff.ai-session",
                "ai",
                "codex",
                "trailer",
                "strong",
                "AI-Session: 7f3a9c",
                model="gpt-5.5",
                session="7f3a9c",
            ),
        ],
    ),
    Case(
        "policy.assisted-by",
        "mm: fix leak\n\nAssisted-by: Claude:claude-3-opus coccinelle\n"
        "Signed-off-by: Ada Lovelace <ada@example.com>\n",
        [
            M(
                "policy.assisted-by",
                "ai",
                "claude-code",
                "trailer",
                "strong",
                "Assisted-by: Claude:claude-3-opus coccinelle",
                model="claude-3-opus",
            )
        ],
    ),
    Case(
        "policy.assisted-by-name",
        "Refactor\n\nAssisted-by: GitHub Copilot\n",
        [
            M(
                "policy.assisted-by-name",
                "ai",
                "copilot",
                "trailer",
                "medium",
                "Assisted-by: GitHub Copilot",
            )
        ],
    ),
    Case(
        "policy.generated-by",
        "Add tests\n\nGenerated-by: OpenAI Codex\n",
        [
            M(
                "policy.generated-by",
                "ai",
                "codex",
                "trailer",
                "medium",
                "Generated-by: OpenAI Codex",
            )
        ],
    ),
    # Claude Code
    Case(
        "claude-code.co-author",
        "Add parser\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
        [
            M(
                "claude-code.co-author",
                "ai",
                "claude-code",
                "trailer",
                "strong",
                "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
                model="claude-opus-4-5",
            )
        ],
    ),
    Case(
        "claude-code.bot",
        "Fix flaky test\n",
        [
            M(
                "claude-code.bot",
                "ai",
                "claude-code",
                "identity",
                "strong",
                "claude[bot] <209825114+claude[bot]@users.noreply.github.com>",
            )
        ],
        author=("claude[bot]", "209825114+claude[bot]@users.noreply.github.com"),
        committer=GITHUB,
    ),
    Case(
        "claude-code.session",
        "Add parser\n\nClaude-Session: https://claude.ai/code/session_01R5HnfdYMwXXrJGAkYVE48c\n",
        [
            M(
                "claude-code.session",
                "ai",
                "claude-code",
                "trailer",
                "strong",
                "Claude-Session: https://claude.ai/code/session_01R5HnfdYMwXXrJGAkYVE48c",
                session="session_01R5HnfdYMwXXrJGAkYVE48c",
            )
        ],
    ),
    Case(
        "claude-code.footer",
        "Add parser\n\nBody.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
        [
            M(
                "claude-code.footer",
                "ai",
                "claude-code",
                "message",
                "strong",
                "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
            )
        ],
    ),
    # aider
    Case(
        "aider.name-suffix",
        "Add retry to fetch\n",
        [
            M(
                "aider.name-suffix",
                "ai",
                "aider",
                "identity",
                "strong",
                "Ada Lovelace (aider) <ada@example.com>",
            )
        ],
        author=("Ada Lovelace (aider)", "ada@example.com"),
    ),
    Case(
        "aider.co-author",
        "Add retry\n\n"
        "Co-authored-by: aider (anthropic/claude-sonnet-4-20250514) <aider@aider.chat>\n",
        [
            M(
                "aider.co-author",
                "ai",
                "aider",
                "trailer",
                "strong",
                "Co-authored-by: aider (anthropic/claude-sonnet-4-20250514) <aider@aider.chat>",
                model="anthropic/claude-sonnet-4-20250514",
            )
        ],
    ),
    Case(
        "aider.subject",
        "aider: Add retry to fetch\n",
        [M("aider.subject", "ai", "aider", "message", "medium", "aider: Add retry to fetch")],
    ),
    # GitHub Copilot
    Case(
        "copilot-autofix.identity",
        "Potential fix for code scanning alert no. 3: Workflow does not contain permissions\n\n"
        "Co-authored-by: Copilot Autofix powered by AI "
        "<62310815+github-advanced-security[bot]@users.noreply.github.com>\n",
        [
            M(
                "copilot-autofix.identity",
                "ai",
                "copilot-autofix",
                "trailer",
                "strong",
                "Co-authored-by: Copilot Autofix powered by AI "
                "<62310815+github-advanced-security[bot]@users.noreply.github.com>",
            ),
            M(
                "copilot-autofix.subject",
                "ai",
                "copilot-autofix",
                "message",
                "medium",
                "Potential fix for code scanning alert no. 3: "
                "Workflow does not contain permissions",
            ),
        ],
    ),
    Case(
        "copilot-autofix.subject",
        "Potential fix for pull request finding\n",
        [
            M(
                "copilot-autofix.subject",
                "ai",
                "copilot-autofix",
                "message",
                "medium",
                "Potential fix for pull request finding",
            )
        ],
    ),
    Case(
        "copilot.agent",
        "Fix login redirect\n\nCo-authored-by: Ada Lovelace <ada@example.com>\n",
        [
            M(
                "copilot.agent",
                "ai",
                "copilot",
                "identity",
                "strong",
                "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
            )
        ],
        author=COPILOT_AGENT,
        committer=GITHUB,
    ),
    Case(
        "copilot.address",
        "Tidy\n\nCo-authored-by: GitHub Copilot <copilot@github.com>\n",
        [
            M(
                "copilot.address",
                "ai",
                "copilot",
                "trailer",
                "strong",
                "Co-authored-by: GitHub Copilot <copilot@github.com>",
            )
        ],
    ),
    Case(
        "copilot.logs-url",
        "Fix login redirect\n\n"
        "Agent-Logs-Url: https://github.com/o/r/sessions/6ae6cae0-5dff-4c44-96e9-22e44ff40211\n"
        "Co-authored-by: Ada Lovelace <ada@example.com>\n",
        [
            M(
                "copilot.agent",
                "ai",
                "copilot",
                "identity",
                "strong",
                "Copilot <198982749+Copilot@users.noreply.github.com>",
                session="6ae6cae0-5dff-4c44-96e9-22e44ff40211",
            ),
            M(
                "copilot.logs-url",
                "ai",
                "copilot",
                "trailer",
                "strong",
                "Agent-Logs-Url: https://github.com/o/r/sessions/6ae6cae0-5dff-4c44-96e9-22e44ff40211",
                session="6ae6cae0-5dff-4c44-96e9-22e44ff40211",
            ),
        ],
        author=("Copilot", "198982749+Copilot@users.noreply.github.com"),
        committer=GITHUB,
    ),
    # OpenAI Codex
    Case(
        "codex.identity",
        "Add vat\n",
        [
            M(
                "codex.identity",
                "ai",
                "codex",
                "identity",
                "strong",
                "GPT 5.5 <codex@openai.com>",
                model="gpt-5.5",
            )
        ],
        author=("GPT 5.5", "codex@openai.com"),
        committer=HUMAN,
    ),
    Case(
        "codex.bot",
        "Apply review suggestion\n",
        [
            M(
                "codex.bot",
                "ai",
                "codex",
                "identity",
                "strong",
                "chatgpt-codex-connector[bot] "
                "<199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
            )
        ],
        author=(
            "chatgpt-codex-connector[bot]",
            "199175422+chatgpt-codex-connector[bot]@users.noreply.github.com",
        ),
        committer=HUMAN,
    ),
    # Cursor
    Case(
        "cursor.agent",
        "Add tax\n\nCo-authored-by: Ada Lovelace <ada@example.com>\n",
        [
            M(
                "cursor.agent",
                "ai",
                "cursor",
                "identity",
                "strong",
                "Cursor Agent <cursoragent@cursor.com>",
            )
        ],
        author=("Cursor Agent", "cursoragent@cursor.com"),
        committer=HUMAN,
    ),
    Case(
        "cursor.bot",
        "Fix bug found by review\n",
        [
            M(
                "cursor.bot",
                "ai",
                "cursor",
                "identity",
                "strong",
                "cursor[bot] <206951365+cursor[bot]@users.noreply.github.com>",
            )
        ],
        author=("cursor[bot]", "206951365+cursor[bot]@users.noreply.github.com"),
        committer=HUMAN,
    ),
    Case(
        "cursor.agent-name",
        "Add tax\n\nCo-authored-by: Cursor Agent <agent@example.invalid>\n",
        [
            M(
                "cursor.agent-name",
                "ai",
                "cursor",
                "trailer",
                "medium",
                "Co-authored-by: Cursor Agent <agent@example.invalid>",
            )
        ],
    ),
    Case(
        "cursor.made-with",
        "Add tax\n\nMade-with: Cursor\n",
        [M("cursor.made-with", "ai", "cursor", "trailer", "strong", "Made-with: Cursor")],
    ),
    # Google
    Case(
        "gemini-code-assist.bot",
        "Apply suggestions from code review\n\n"
        "Co-authored-by: gemini-code-assist[bot] "
        "<176961590+gemini-code-assist[bot]@users.noreply.github.com>\n",
        [
            M(
                "gemini-code-assist.bot",
                "ai",
                "gemini-code-assist",
                "trailer",
                "strong",
                "Co-authored-by: gemini-code-assist[bot] "
                "<176961590+gemini-code-assist[bot]@users.noreply.github.com>",
            )
        ],
    ),
    Case(
        "jules.bot",
        "Fix lookup order\n",
        [
            M(
                "jules.bot",
                "ai",
                "jules",
                "identity",
                "strong",
                "google-labs-jules[bot] "
                "<161369871+google-labs-jules[bot]@users.noreply.github.com>",
            )
        ],
        author=(
            "google-labs-jules[bot]",
            "161369871+google-labs-jules[bot]@users.noreply.github.com",
        ),
        committer=GITHUB,
    ),
    Case(
        "gemini-cli.identity",
        "Tidy\n\nCo-authored-by: Gemini CLI <gemini-cli@google.com>\n",
        [
            M(
                "gemini-cli.identity",
                "ai",
                "gemini-cli",
                "trailer",
                "medium",
                "Co-authored-by: Gemini CLI <gemini-cli@google.com>",
            )
        ],
    ),
    # Other agents
    Case(
        "devin.bot",
        "Add endpoint\n\nCo-Authored-By: ada@example.com <ada@example.com>\n",
        [
            M(
                "devin.bot",
                "ai",
                "devin",
                "identity",
                "strong",
                "Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
            )
        ],
        author=("Devin AI", "158243242+devin-ai-integration[bot]@users.noreply.github.com"),
        committer=("Devin AI", "158243242+devin-ai-integration[bot]@users.noreply.github.com"),
    ),
    Case(
        "amp.identity",
        "Update log4j\n\nCo-authored-by: Amp <amp@ampcode.com>\n",
        [
            M(
                "amp.identity",
                "ai",
                "amp",
                "trailer",
                "strong",
                "Co-authored-by: Amp <amp@ampcode.com>",
            )
        ],
    ),
    Case(
        "amp.thread",
        "Update log4j\n\nCo-authored-by: Amp <amp@ampcode.com>\n"
        "Amp-Thread-ID: https://ampcode.com/threads/T-652c6d27-8ae1-4e61-923d-a4d40071cb4b\n",
        [
            M(
                "amp.identity",
                "ai",
                "amp",
                "trailer",
                "strong",
                "Co-authored-by: Amp <amp@ampcode.com>",
                session="T-652c6d27-8ae1-4e61-923d-a4d40071cb4b",
            ),
            M(
                "amp.thread",
                "ai",
                "amp",
                "trailer",
                "strong",
                "Amp-Thread-ID: https://ampcode.com/threads/T-652c6d27-8ae1-4e61-923d-a4d40071cb4b",
                session="T-652c6d27-8ae1-4e61-923d-a4d40071cb4b",
            ),
        ],
    ),
    Case(
        "factory-droid.bot",
        "Update data\n\n"
        "Co-authored-by: factory-droid[bot] "
        "<138933559+factory-droid[bot]@users.noreply.github.com>\n",
        [
            M(
                "factory-droid.bot",
                "ai",
                "factory-droid",
                "trailer",
                "strong",
                "Co-authored-by: factory-droid[bot] "
                "<138933559+factory-droid[bot]@users.noreply.github.com>",
            )
        ],
    ),
    Case(
        "factory-droid.identity",
        "Add tooling\n\nCo-authored-by: Droid <droid@factory.ai>\n",
        [
            M(
                "factory-droid.identity",
                "ai",
                "factory-droid",
                "trailer",
                "strong",
                "Co-authored-by: Droid <droid@factory.ai>",
            )
        ],
    ),
    Case(
        "qwen-code.identity",
        "Harden disk gate\n\nCo-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>\n",
        [
            M(
                "qwen-code.identity",
                "ai",
                "qwen-code",
                "trailer",
                "strong",
                "Co-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>",
            )
        ],
    ),
    Case(
        "replit-agent.author",
        "Add page\n\nReplit-Commit-Author: Agent\n",
        [
            M(
                "replit-agent.author",
                "ai",
                "replit-agent",
                "trailer",
                "strong",
                "Replit-Commit-Author: Agent",
            )
        ],
    ),
    Case(
        "replit-agent.session",
        "Add page\n\nReplit-Commit-Author: Agent\n"
        "Replit-Commit-Session-Id: 0b1c2d3e-aaaa-bbbb-cccc-123456789abc\n",
        [
            M(
                "replit-agent.author",
                "ai",
                "replit-agent",
                "trailer",
                "strong",
                "Replit-Commit-Author: Agent",
                session="0b1c2d3e-aaaa-bbbb-cccc-123456789abc",
            ),
            M(
                "replit-agent.session",
                "ai",
                "replit-agent",
                "trailer",
                "strong",
                "Replit-Commit-Session-Id: 0b1c2d3e-aaaa-bbbb-cccc-123456789abc",
                session="0b1c2d3e-aaaa-bbbb-cccc-123456789abc",
            ),
        ],
    ),
    Case(
        "entire.checkpoint",
        "Fix y\n\nEntire-Checkpoint: 01KXGTTNGCEACC83QZEJ5YAF0D\n",
        [
            M(
                "entire.checkpoint",
                "ai",
                None,
                "trailer",
                "medium",
                "Entire-Checkpoint: 01KXGTTNGCEACC83QZEJ5YAF0D",
                session="01KXGTTNGCEACC83QZEJ5YAF0D",
            )
        ],
    ),
    Case(
        "cline.bot",
        "x\n\nCo-authored-by: cline[bot] <205137888+cline[bot]@users.noreply.github.com>\n",
        [
            M(
                "cline.bot",
                "ai",
                "cline",
                "trailer",
                "strong",
                "Co-authored-by: cline[bot] <205137888+cline[bot]@users.noreply.github.com>",
            )
        ],
    ),
    Case(
        "continue.bot",
        "x\n",
        [
            M(
                "continue.bot",
                "ai",
                "continue",
                "identity",
                "strong",
                "continue[bot] <230936708+continue[bot]@users.noreply.github.com>",
            )
        ],
        author=("continue[bot]", "230936708+continue[bot]@users.noreply.github.com"),
        committer=HUMAN,
    ),
    Case(
        "amazon-q.bot",
        "x\n",
        [
            M(
                "amazon-q.bot",
                "ai",
                "amazon-q",
                "identity",
                "strong",
                "amazon-q-developer[bot] "
                "<208079219+amazon-q-developer[bot]@users.noreply.github.com>",
            )
        ],
        author=(
            "amazon-q-developer[bot]",
            "208079219+amazon-q-developer[bot]@users.noreply.github.com",
        ),
        committer=HUMAN,
    ),
    Case(
        "sourcegraph-cody.bot",
        "x\n",
        [
            M(
                "sourcegraph-cody.bot",
                "ai",
                "sourcegraph-cody",
                "identity",
                "strong",
                "sourcegraph-cody[bot] <201248094+sourcegraph-cody[bot]@users.noreply.github.com>",
            )
        ],
        author=(
            "sourcegraph-cody[bot]",
            "201248094+sourcegraph-cody[bot]@users.noreply.github.com",
        ),
        committer=HUMAN,
    ),
    Case(
        "jetbrains-ai.bot",
        "x\n",
        [
            M(
                "jetbrains-ai.bot",
                "ai",
                "jetbrains-ai",
                "identity",
                "strong",
                "jetbrains-ai[bot] <220155983+jetbrains-ai[bot]@users.noreply.github.com>",
            )
        ],
        author=("jetbrains-ai[bot]", "220155983+jetbrains-ai[bot]@users.noreply.github.com"),
        committer=HUMAN,
    ),
    Case(
        "coderabbit.bot",
        "Add docstrings\n",
        [
            M(
                "coderabbit.bot",
                "ai",
                "coderabbit",
                "identity",
                "strong",
                "coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>",
            )
        ],
        author=("coderabbitai[bot]", "136622811+coderabbitai[bot]@users.noreply.github.com"),
        committer=HUMAN,
    ),
    # Automation that is not AI
    Case(
        "automation.dependabot",
        "Bump requests from 2.31.0 to 2.32.0\n",
        [
            M(
                "automation.dependabot",
                "automation",
                "dependabot",
                "identity",
                "strong",
                "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
            )
        ],
        author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
        committer=GITHUB,
    ),
    Case(
        "automation.renovate",
        "chore(deps): update actions/checkout action to v5\n",
        [
            M(
                "automation.renovate",
                "automation",
                "renovate",
                "identity",
                "strong",
                "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
            )
        ],
        author=("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com"),
    ),
    Case(
        "automation.github-actions",
        "Update generated docs\n",
        [
            M(
                "automation.github-actions",
                "automation",
                "github-actions",
                "identity",
                "strong",
                "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
            )
        ],
        author=("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
    ),
    Case(
        "automation.pre-commit-ci",
        "[pre-commit.ci] auto fixes from pre-commit.com hooks\n",
        [
            M(
                "automation.pre-commit-ci",
                "automation",
                "pre-commit-ci",
                "identity",
                "strong",
                "pre-commit-ci[bot] <66853113+pre-commit-ci[bot]@users.noreply.github.com>",
            )
        ],
        author=("pre-commit-ci[bot]", "66853113+pre-commit-ci[bot]@users.noreply.github.com"),
    ),
    Case(
        "automation.release-bot",
        "chore(release): 1.2.0\n",
        [
            M(
                "automation.release-bot",
                "automation",
                None,
                "identity",
                "strong",
                "semantic-release-bot <semantic-release-bot@martynus.net>",
            )
        ],
        author=("semantic-release-bot", "semantic-release-bot@martynus.net"),
    ),
    Case(
        "automation.bot",
        "Compress images\n",
        [
            M(
                "automation.bot",
                "automation",
                None,
                "identity",
                "medium",
                "imgbot[bot] <31427850+imgbot[bot]@users.noreply.github.com>",
            )
        ],
        author=("imgbot[bot]", "31427850+imgbot[bot]@users.noreply.github.com"),
    ),
    # Conventions read from real agent-heavy and squash-merge histories
    Case(
        "claude-code.footer-plain",
        "Add docs\n\n\U0001f916 Generated with Claude Code\n",
        [
            M(
                "claude-code.footer-plain",
                "ai",
                "claude-code",
                "message",
                "medium",
                "\U0001f916 Generated with Claude Code",
            )
        ],
    ),
    Case(
        "codex.committer",
        "Fix daemon restart\n",
        [
            M(
                "codex.committer",
                "ai",
                "codex",
                "identity",
                "medium",
                "Codex <codex@openai.com>",
            )
        ],
        committer=("Codex", "codex@openai.com"),
    ),
    Case(
        "openhands.identity",
        "Fix outcome check\n\nCo-authored-by: openhands <openhands@all-hands.dev>\n",
        [
            M(
                "openhands.identity",
                "ai",
                "openhands",
                "trailer",
                "strong",
                "Co-authored-by: openhands <openhands@all-hands.dev>",
            )
        ],
    ),
    Case(
        "copilot.session",
        "Fix\n\nCopilot-Session: f886cd42-d3af-4244-92ca-f284082ce74a\n",
        [
            M(
                "copilot.session",
                "ai",
                "copilot",
                "trailer",
                "strong",
                "Copilot-Session: f886cd42-d3af-4244-92ca-f284082ce74a",
                session="f886cd42-d3af-4244-92ca-f284082ce74a",
            )
        ],
    ),
    Case(
        "opencode.identity",
        "Fix\n\nCo-Authored-By: opencode <noreply@opencode.ai>\n",
        [
            M(
                "opencode.identity",
                "ai",
                "opencode",
                "trailer",
                "strong",
                "Co-Authored-By: opencode <noreply@opencode.ai>",
            )
        ],
    ),
    Case(
        "junie.identity",
        "Fix\n\nCo-authored-by: Junie <junie@jetbrains.com>\n",
        [
            M(
                "junie.identity",
                "ai",
                "junie",
                "trailer",
                "medium",
                "Co-authored-by: Junie <junie@jetbrains.com>",
            )
        ],
    ),
    Case(
        "warp.identity",
        "Fix\n\nCo-Authored-By: Warp <agent@warp.dev>\n",
        [
            M(
                "warp.identity",
                "ai",
                "warp",
                "trailer",
                "medium",
                "Co-Authored-By: Warp <agent@warp.dev>",
            )
        ],
    ),
    Case(
        "goose.identity",
        "Fix\n\nCo-Authored-By: goose <goose@block.xyz>\n",
        [
            M(
                "goose.identity",
                "ai",
                "goose",
                "trailer",
                "medium",
                "Co-Authored-By: goose <goose@block.xyz>",
            )
        ],
    ),
    Case(
        "augment.identity",
        "Fix\n\nCo-Authored-By: Augment Agent <agent@augmentcode.com>\n",
        [
            M(
                "augment.identity",
                "ai",
                "augment",
                "trailer",
                "medium",
                "Co-Authored-By: Augment Agent <agent@augmentcode.com>",
            )
        ],
    ),
    Case(
        "sweep.bot",
        "Sweep: add tests\n",
        [
            M(
                "sweep.bot",
                "ai",
                "sweep",
                "identity",
                "strong",
                "sweep-ai[bot] <128439645+sweep-ai[bot]@users.noreply.github.com>",
            )
        ],
        author=("sweep-ai[bot]", "128439645+sweep-ai[bot]@users.noreply.github.com"),
        committer=GITHUB,
    ),
    Case(
        "crush.identity",
        "Tidy\n\nAssisted-by: Claude Sonnet 4 via Crush <crush@charm.land>\n",
        [
            M(
                "crush.identity",
                "ai",
                "crush",
                "trailer",
                "strong",
                "Assisted-by: Claude Sonnet 4 via Crush <crush@charm.land>",
                model="claude-sonnet-4",
            )
        ],
    ),
    Case(
        "crush.footer",
        "Tidy\n\n\U0001f498 Generated with Crush\n",
        [
            M(
                "crush.footer",
                "ai",
                "crush",
                "message",
                "strong",
                "\U0001f498 Generated with Crush",
            )
        ],
    ),
    Case(
        "footer.generated-with",
        "Add plugin\n\n\U0001f916 Generated with [Firebender](https://firebender.com)\n",
        [
            M(
                "footer.generated-with",
                "ai",
                "firebender",
                "message",
                "medium",
                "\U0001f916 Generated with [Firebender](https://firebender.com)",
            )
        ],
    ),
    Case(
        "agent-signature.trailer",
        "Bump docs\n\nAgent-Signature: claude-opus-4-8-high on behalf of maphew\n",
        [
            M(
                "agent-signature.trailer",
                "ai",
                "claude-code",
                "trailer",
                "medium",
                "Agent-Signature: claude-opus-4-8-high on behalf of maphew",
                model="claude-opus-4-8",
            )
        ],
    ),
    Case(
        "agent-signature.line",
        "Refresh docs\n\n_codex-gpt-5.5-medium on behalf of matt wilkie_\n",
        [
            M(
                "agent-signature.line",
                "ai",
                "codex",
                "message",
                "medium",
                "_codex-gpt-5.5-medium on behalf of matt wilkie_",
                model="gpt-5.5",
            )
        ],
    ),
    Case(
        "gas-town.identity",
        "Fix sling\n",
        [
            M(
                "gas-town.identity",
                "ai",
                "gas-town",
                "identity",
                "medium",
                "gastown/polecats/furiosa <steve@example.com>",
            )
        ],
        author=("gastown/polecats/furiosa", "steve@example.com"),
        committer=HUMAN,
    ),
    Case(
        "gas-town.crew",
        "Fix sling\n",
        [
            M(
                "gas-town.crew",
                "ai",
                "gas-town",
                "identity",
                "weak",
                "gastown/crew/max <steve@example.com>",
            )
        ],
        author=("gastown/crew/max", "steve@example.com"),
        committer=HUMAN,
    ),
    Case(
        "gas-town.role-name",
        "Merge queue\n",
        [
            M(
                "gas-town.role-name",
                "ai",
                "gas-town",
                "identity",
                "weak",
                "mayor <steve@example.com>",
            )
        ],
        author=("mayor", "steve@example.com"),
        committer=HUMAN,
    ),
    Case(
        "gas-town.worker",
        "Fix daemon\n",
        [
            M(
                "gas-town.worker",
                "ai",
                "gas-town",
                "identity",
                "medium",
                "furiosa <steve@example.com>",
            ),
        ],
        author=("furiosa", "steve@example.com"),
        committer=("beads/crew/lydia", "steve@example.com"),
    ),
    Case(
        "gas-town.executed-by",
        "Fix daemon\n\nExecuted-By: beads/crew/emma\n",
        [
            M(
                "gas-town.executed-by",
                "ai",
                "gas-town",
                "trailer",
                "medium",
                "Executed-By: beads/crew/emma",
            )
        ],
    ),
    Case(
        "self-declared.agent-name",
        "Fix Windows test\n",
        [
            M(
                "self-declared.agent-name",
                "ai",
                "codex",
                "identity",
                "weak",
                "Codex Agent <codex-agent@example.com>",
            )
        ],
        author=("Codex Agent", "codex-agent@example.com"),
        committer=HUMAN,
    ),
    Case(
        "self-declared.decorated-name",
        "Port the parser\n",
        [
            M(
                "self-declared.decorated-name",
                "ai",
                "claude-code",
                "identity",
                "weak",
                "Ryan Newton + Claude <rrn@example.com>",
            )
        ],
        author=("Ryan Newton + Claude", "rrn@example.com"),
        committer=HUMAN,
    ),
    Case(
        "automation.robot",
        "Changelog for v0.57.0\n",
        [
            M(
                "automation.robot",
                "automation",
                None,
                "identity",
                "medium",
                "gemini-cli-robot <gemini-cli-robot@google.com>",
            )
        ],
        author=("gemini-cli-robot", "gemini-cli-robot@google.com"),
        committer=GITHUB,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.detector for c in CASES])
def test_each_detector_fires_on_a_real_commit(repo: GitRepo, case: Case) -> None:
    assert commit_markers(repo, case.message, case.author, case.committer) == case.expected


def test_every_detector_has_a_case_and_a_unique_id() -> None:
    ids = list(detector_ids())
    assert len(ids) == len(set(ids))
    assert {c.detector for c in CASES} == set(ids)
    for detector in DETECTORS:
        assert detector.source in ("trailer", "identity", "message")


def test_every_detector_is_documented() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "markers.md").read_text(encoding="utf-8")
    missing = [i for i in detector_ids() if f"`{i}`" not in docs]
    assert missing == []


# --- Claude Code -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("Claude Opus 4.5", "claude-opus-4-5"),
        ("Claude Sonnet 4", "claude-sonnet-4"),
        ("Claude Opus 4.7 (1M context)", "claude-opus-4-7"),
        ("Claude", None),
        ("Claude Code", None),
    ],
)
def test_claude_model_is_lowercase_hyphenated(repo: GitRepo, name: str, model: str | None) -> None:
    trailer = f"Co-Authored-By: {name} <noreply@anthropic.com>"
    assert commit_markers(repo, f"Change\n\n{trailer}\n") == [
        M("claude-code.co-author", "ai", "claude-code", "trailer", "strong", trailer, model=model)
    ]


def test_claude_footer_old_url_with_coauthor_and_session_binds_one_tool(repo: GitRepo) -> None:
    message = (
        "Add parser\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\n"
        "Co-Authored-By: Claude Sonnet 4 <noreply@anthropic.com>\n"
        "Claude-Session: https://claude.ai/code/session_01ABC\n"
    )
    common = {"model": "claude-sonnet-4", "session": "session_01ABC"}
    assert commit_markers(repo, message) == [
        M(
            "claude-code.co-author",
            "ai",
            "claude-code",
            "trailer",
            "strong",
            "Co-Authored-By: Claude Sonnet 4 <noreply@anthropic.com>",
            **common,
        ),
        M(
            "claude-code.session",
            "ai",
            "claude-code",
            "trailer",
            "strong",
            "Claude-Session: https://claude.ai/code/session_01ABC",
            **common,
        ),
        M(
            "claude-code.footer",
            "ai",
            "claude-code",
            "message",
            "strong",
            "🤖 Generated with [Claude Code](https://claude.ai/code)",
            **common,
        ),
    ]


def test_claude_footer_quoted_in_prose_is_not_a_marker(repo: GitRepo) -> None:
    message = (
        "Strip the Generated with [Claude Code](https://claude.com/claude-code) footer\n\n"
        "Our template kept 'Generated with [Claude Code](https://claude.com/claude-code)' lines.\n"
    )
    assert commit_markers(repo, message) == []


def test_two_claude_models_stay_separate(repo: GitRepo) -> None:
    message = (
        "Squash\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
        "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n"
        "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
    )
    found = commit_markers(repo, message)
    assert [m.model for m in found] == ["claude-opus-4-5", "claude-sonnet-4-5"]  # repeat deduped


# --- aider -------------------------------------------------------------------------------


def test_aider_committer_only_is_ambiguous(repo: GitRepo) -> None:
    found = commit_markers(
        repo, "Fix by hand\n", HUMAN, ("Ada Lovelace (aider)", "ada@example.com")
    )
    assert found == [
        M(
            "aider.name-suffix",
            "ambiguous",
            "aider",
            "identity",
            "strong",
            "Ada Lovelace (aider) <ada@example.com>",
        )
    ]


def test_aider_author_and_committer_is_one_ai_marker(repo: GitRepo) -> None:
    aider = ("Ada Lovelace (aider)", "ada@example.com")
    found = commit_markers(repo, "aider: Add retry\n", aider, aider)
    assert [(m.detector, m.kind) for m in found] == [
        ("aider.name-suffix", "ai"),
        ("aider.subject", "ai"),
    ]


@pytest.mark.parametrize(
    ("trailer", "model"),
    [
        ("Co-authored-by: aider (gpt-4o) <noreply@aider.chat>", "gpt-4o"),
        ("Co-authored-by: aider (openai/DeepSeek-R1) <aider@aider.chat>", "openai/deepseek-r1"),
        ("Co-authored-by: aider (unknown-model) <noreply@aider.dev>", None),
        ("Co-authored-by: aider <aider@aider.chat>", None),
    ],
)
def test_aider_co_author_addresses_and_models(
    repo: GitRepo, trailer: str, model: str | None
) -> None:
    assert commit_markers(repo, f"Add retry\n\n{trailer}\n") == [
        M("aider.co-author", "ai", "aider", "trailer", "strong", trailer, model=model)
    ]


def test_aider_word_inside_a_subject_is_not_a_marker(repo: GitRepo) -> None:
    assert commit_markers(repo, "Document the aider: prefix convention\n") == []


# --- Copilot -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "coauthor",
    [
        "Copilot <223556219+Copilot@users.noreply.github.com>",
        "Copilot <175728472+Copilot@users.noreply.github.com>",
        "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
    ],
)
def test_copilot_co_author_forms(repo: GitRepo, coauthor: str) -> None:
    trailer = f"Co-authored-by: {coauthor}"
    assert commit_markers(repo, f"Fix\n\n{trailer}\n") == [
        M("copilot.agent", "ai", "copilot", "trailer", "strong", trailer)
    ]


def test_copilot_autofix_on_copilot_address_is_autofix_not_plain_copilot(repo: GitRepo) -> None:
    trailer = (
        "Co-authored-by: Copilot Autofix powered by AI <175728472+Copilot@users.noreply.github.com>"
    )
    assert commit_markers(repo, f"Harden workflow\n\n{trailer}\n") == [
        M("copilot-autofix.identity", "ai", "copilot-autofix", "trailer", "strong", trailer)
    ]


# --- precedence: AI bots are never automation --------------------------------------------


@pytest.mark.parametrize(
    ("author", "detector"),
    [
        (COPILOT_AGENT, "copilot.agent"),
        (
            (
                "devin-ai-integration[bot]",
                "158243242+devin-ai-integration[bot]@users.noreply.github.com",
            ),
            "devin.bot",
        ),
        (
            (
                "github-advanced-security[bot]",
                "62310815+github-advanced-security[bot]@users.noreply.github.com",
            ),
            "copilot-autofix.identity",
        ),
        (
            ("factory-droid[bot]", "138933559+factory-droid[bot]@users.noreply.github.com"),
            "factory-droid.bot",
        ),
        (("claude[bot]", "41898282+claude[bot]@users.noreply.github.com"), "claude-code.bot"),
    ],
)
def test_ai_agent_bots_win_over_generic_bot_rule(
    repo: GitRepo, author: tuple[str, str], detector: str
) -> None:
    (found,) = commit_markers(repo, "Change\n", author, GITHUB)
    assert (found.detector, found.kind, found.source) == (detector, "ai", "identity")


def test_ai_bot_as_committer_only_is_ambiguous(repo: GitRepo) -> None:
    (found,) = commit_markers(repo, "Rebased\n", HUMAN, COPILOT_AGENT)
    assert (found.detector, found.kind, found.tool) == ("copilot.agent", "ambiguous", "copilot")


def test_automation_bot_as_co_author_or_committer_is_not_a_marker(repo: GitRepo) -> None:
    message = (
        "Squash of my PR\n\n"
        "Co-authored-by: pre-commit-ci[bot] "
        "<66853113+pre-commit-ci[bot]@users.noreply.github.com>\n"
    )
    bot = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
    assert commit_markers(repo, message, HUMAN, bot) == []


def test_ai_and_automation_together(repo: GitRepo) -> None:
    dependabot = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
    found = commit_markers(repo, "Bump\n\nMade-with: Cursor\n", dependabot, GITHUB)
    assert [(m.detector, m.kind) for m in found] == [
        ("automation.dependabot", "automation"),
        ("cursor.made-with", "ai"),
    ]


# --- policies and sessions ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["none", "No", "FALSE"])
def test_ai_assisted_none_is_a_positive_human_declaration(repo: GitRepo, value: str) -> None:
    assert commit_markers(repo, f"Fix\n\nAI-Assisted: {value}\n") == [
        M("signoff.ai-assisted-none", "human", None, "trailer", "strong", f"AI-Assisted: {value}")
    ]


def test_ai_session_binds_to_the_first_declared_tool(repo: GitRepo) -> None:
    message = (
        "Change\n\nAI-Assisted: claude-code/claude-opus-4.5\nAI-Assisted: cursor/gpt-5\n"
        "AI-Session: s-42\n"
    )
    found = commit_markers(repo, message)
    assert [(m.detector, m.tool, m.model, m.session) for m in found] == [
        ("signoff.ai-assisted", "claude-code", "claude-opus-4-5", "s-42"),
        ("signoff.ai-assisted", "cursor", "gpt-5", None),
        ("signoff.ai-session", "claude-code", "claude-opus-4-5", "s-42"),
    ]


def test_entire_checkpoint_binds_to_the_only_agent(repo: GitRepo) -> None:
    message = (
        "Fix\n\nEntire-Checkpoint: a3b2c4d5e6f7\n"
        "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n"
    )
    found = commit_markers(repo, message)
    assert [(m.detector, m.tool, m.model, m.session) for m in found] == [
        ("entire.checkpoint", "claude-code", "claude-opus-4-5", "a3b2c4d5e6f7"),
        ("claude-code.co-author", "claude-code", "claude-opus-4-5", "a3b2c4d5e6f7"),
    ]


def test_entire_checkpoint_with_two_agents_stays_unbound(repo: GitRepo) -> None:
    message = (
        "Fix\n\nEntire-Checkpoint: a3b2c4d5e6f7\n"
        "Co-Authored-By: Claude <noreply@anthropic.com>\nMade-with: Cursor\n"
    )
    found = commit_markers(repo, message)
    assert [(m.detector, m.tool, m.session) for m in found] == [
        ("entire.checkpoint", None, "a3b2c4d5e6f7"),
        ("claude-code.co-author", "claude-code", None),
        ("cursor.made-with", "cursor", None),
    ]


def test_amp_thread_short_key_and_bare_id(repo: GitRepo) -> None:
    found = commit_markers(repo, "Fix\n\nAmp-Thread: T-0c8c2a1e\n")
    assert found == [
        M(
            "amp.thread",
            "ai",
            "amp",
            "trailer",
            "strong",
            "Amp-Thread: T-0c8c2a1e",
            session="T-0c8c2a1e",
        )
    ]


def test_replit_session_without_agent_author_is_dropped(repo: GitRepo) -> None:
    assert commit_markers(repo, "Edit\n\nReplit-Commit-Session-Id: 0b1c2d3e\n") == []


@pytest.mark.parametrize(
    "trailer",
    [
        "Assisted-by: Jane Doe <jane@example.com>",
        "Assisted-by: Jane Doe",
        "Assisted-by: https://example.com/help",
        "Generated-by: scripts/gen_tables.py",
        "Made-with: love",
    ],
)
def test_policy_trailers_that_name_no_ai_tool_are_not_markers(repo: GitRepo, trailer: str) -> None:
    assert commit_markers(repo, f"Change\n\n{trailer}\n") == []


# --- never from ordinary humans -------------------------------------------------------------


@pytest.mark.parametrize(
    "person",
    [
        ("Claude Monet", "claude@example.com"),
        ("Claude", "claude@acme.fr"),
        ("Devin Smith", "devin@example.com"),
        ("Jules Verne", "jules@example.com"),
        ("Copilot Jones", "cj@example.com"),
        ("Copilot", "copilot@example.com"),
        ("Aider Khan", "aider@example.com"),
        ("Amp Volta", "amp@example.com"),
        ("Cursor Johnson", "cj@example.com"),
        ("Ada Lovelace", "12345+ada@users.noreply.github.com"),
        ("Robot", "robot@example.com"),
    ],
)
def test_human_identities_never_produce_markers(repo: GitRepo, person: tuple[str, str]) -> None:
    message = f"Pairing\n\nCo-authored-by: {person[0]} <{person[1]}>\n"
    assert commit_markers(repo, message, person, person) == []


def test_plain_human_commit_has_no_markers(repo: GitRepo) -> None:
    message = (
        "Fix bug\n\nSigned-off-by: Ada Lovelace <ada@example.com>\nReviewed-by: B <b@example.com>\n"
    )
    assert commit_markers(repo, message) == []


# --- robustness ----------------------------------------------------------------------------


def test_odd_input_never_raises(repo: GitRepo) -> None:
    odd = [
        "AI-Assisted: /\nAI-Session: \nClaude-Session: https://\nCo-authored-by: <>\n",
        "Co-authored-by: Claude <>\nCo-authored-by: \nCo-authored-by: <noreply@anthropic.com>\n",
        "Assisted-by: :\nGenerated-by: \u00e9\u00e8\u00ea\nEntire-Checkpoint: \U0001f916\n",
        "Agent-Logs-Url: https://github.com/sessions/\nAmp-Thread-ID: " + "x" * 5000 + "\n",
    ]
    for i, trailers in enumerate(odd):
        repo.commit(f"odd {i}\n\n{trailers}", allow_empty=True)
    repo.commit(
        b"caf\xe9 latin-1\n\nCo-authored-by: Jos\xe9 <jose@example.com>\n", allow_empty=True
    )
    repo.commit(
        "non-utf-8 name\n",
        author=("Ren\udce9 (aider)", "rene@example.com"),
        committer=("Ren\udce9", ""),
        allow_empty=True,
    )
    commits = list(iter_commits(Repo.discover(repo.path)))
    results = [find_markers(c) for c in commits]
    by_subject = {c.subject: r for c, r in zip(commits, results, strict=True)}
    (claude,) = by_subject["odd 1"]  # the empty-email Claude is not noreply@anthropic.com
    assert claude.evidence == "Co-authored-by: <noreply@anthropic.com>"
    assert claude.model is None
    (aider,) = by_subject["non-utf-8 name"]
    assert (aider.detector, aider.kind) == ("aider.name-suffix", "ai")
    assert aider.evidence.endswith("(aider) <rene@example.com>")


def test_normalisers() -> None:
    assert normalize_model("  Claude  Opus 4.5 (1M context) ") == "claude-opus-4-5"
    assert normalize_model("claude-opus-4-7[1m]") == "claude-opus-4-7"
    assert normalize_model("unknown-model") is None
    assert normalize_tool("GitHub Copilot") == "copilot"
    assert normalize_tool("Claude Code") == "claude-code"
    assert normalize_tool("Some New Agent") == "some-new-agent"
    assert normalize_tool("   ") is None


# --- speed ----------------------------------------------------------------------------------


def test_detection_is_cheap_on_commits_without_markers(repo: GitRepo) -> None:
    """A loose guard (the docs give the measured number); catches a 10x regression."""
    repo.commit(
        "Fix the parser for nested lists\n\nLonger body text here.\n\n"
        "Signed-off-by: Ada Lovelace <ada@example.com>\nReviewed-by: Bob <bob@example.com>\n",
        allow_empty=True,
    )
    commit = read_commit(Repo.discover(repo.path), "HEAD")
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        find_markers(commit)
    per_commit = (time.perf_counter() - start) / n
    assert per_commit < 100e-6
