"""Hook payloads in each agent's documented shape (docs/agents.md cites the documentation).

Only the fields the documentation shows; values are made up. Each function returns the JSON
object the agent would write on the hook command's standard input.
"""

from __future__ import annotations

from typing import Any


def claude_code(event: str, cwd: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """Claude Code PreToolUse / PostToolUse (hooks reference: common input fields, PreToolUse
    input, PostToolUse input)."""
    payload: dict[str, Any] = {
        "session_id": "8c35adc1-5f0e-4c55-a1c4-3f3e0c1b9d11",
        "transcript_path": f"{cwd}/.transcripts/8c35adc1.jsonl",
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse" if event == "pre" else "PostToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_01ABCDEF",
    }
    if event == "post":
        payload["tool_response"] = {"filePath": tool_input.get("file_path"), "success": True}
    return payload


def codex(event: str, cwd: str, patch: str) -> dict[str, Any]:
    """Codex PreToolUse / PostToolUse for apply_patch (hooks schema: cwd, hook_event_name, model,
    permission_mode, session_id, tool_input, tool_name, tool_use_id, transcript_path, turn_id;
    the patch body is `tool_input.command`)."""
    payload: dict[str, Any] = {
        "session_id": "019a3c2e-7b1d-7f00-9c1e-2b5a6d0e4f11",
        "transcript_path": None,
        "cwd": cwd,
        "hook_event_name": "PreToolUse" if event == "pre" else "PostToolUse",
        "model": "gpt-5-codex",
        "permission_mode": "default",
        "tool_name": "apply_patch",
        "tool_input": {"command": patch},
        "tool_use_id": "call_7Yh2",
        "turn_id": "turn-3",
    }
    if event == "post":
        payload["tool_response"] = "Success. Updated the following files"
    return payload


def gemini_cli(event: str, cwd: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """Gemini CLI BeforeTool / AfterTool (hooks reference: base input schema, tool hooks)."""
    payload: dict[str, Any] = {
        "session_id": "c0ffee00-1234-4bcd-8e9f-001122334455",
        "transcript_path": f"{cwd}/.gemini/tmp/chat.json",
        "cwd": cwd,
        "hook_event_name": "BeforeTool" if event == "pre" else "AfterTool",
        "timestamp": "2026-12-01T03:00:00.000Z",
        "tool_name": tool,
        "tool_input": tool_input,
    }
    if event == "post":
        payload["tool_response"] = {"llmContent": "ok", "returnDisplay": "ok"}
    return payload


def cursor_after_file_edit(
    root: str, file_path: str, edits: list[dict[str, str]]
) -> dict[str, Any]:
    """Cursor afterFileEdit (agent hooks: common fields, afterFileEdit input)."""
    return {
        "conversation_id": "conv-5d2f",
        "generation_id": "gen-81aa",
        "model": "claude-4.5-sonnet",
        "hook_event_name": "afterFileEdit",
        "cursor_version": "2.0.77",
        "workspace_roots": [root],
        "user_email": "dev@example.com",
        "file_path": file_path,
        "edits": edits,
    }


def cursor_tool(event: str, root: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """Cursor preToolUse / postToolUse: the common fields plus tool_name and tool_input (tool
    names Write, StrReplace, ApplyPatch, Delete as current Cursor sends them)."""
    return {
        "conversation_id": "conv-5d2f",
        "generation_id": "gen-81aa",
        "model": "gpt-5",
        "hook_event_name": "preToolUse" if event == "pre" else "postToolUse",
        "cursor_version": "2.1.0",
        "workspace_roots": [root],
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "tool_9f",
    }


def copilot_cli_snake_case(event: str, cwd: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """Copilot CLI payloads in the Claude-compatible snake_case form another tool's adapter
    parses (hook_event_name, tool_name, tool_input, session_id)."""
    return {
        "session_id": "copilot-session-1",
        "cwd": cwd,
        "hook_event_name": "PreToolUse" if event == "pre" else "PostToolUse",
        "tool_name": tool,
        "tool_input": args,
    }


def copilot_cli(cwd: str, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """Copilot CLI preToolUse / postToolUse (hooks reference: timestamp, cwd, toolName,
    toolArgs as a JSON string); the event is not in the payload, the hook command says it."""
    import json

    return {"timestamp": 1764558000000, "cwd": cwd, "toolName": tool, "toolArgs": json.dumps(args)}


def copilot_vscode(event: str, cwd: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """VS Code agent hooks PreToolUse / PostToolUse (hooks reference: common fields, tool_name,
    tool_input, tool_use_id)."""
    return {
        "timestamp": "2026-12-01T03:00:00.000Z",
        "hookEventName": "PreToolUse" if event == "pre" else "PostToolUse",
        "sessionId": "vscode-session-42",
        "cwd": cwd,
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "tool-123",
    }


def codex_shell(event: str, cwd: str, command: str) -> dict[str, Any]:
    """Codex PreToolUse / PostToolUse for its shell tool (`Bash`, the command in
    `tool_input.command`; hooks schema as for apply_patch)."""
    payload = codex(event, cwd, "")
    payload["tool_name"] = "Bash"
    payload["tool_input"] = {"command": command}
    payload["tool_use_id"] = "call_sh1"
    return payload


def cursor_shell_execution(event: str, root: str, command: str) -> dict[str, Any]:
    """Cursor beforeShellExecution / afterShellExecution (agent hooks: common fields, the
    command and cwd; the after event adds the output and duration)."""
    payload: dict[str, Any] = {
        "conversation_id": "conv-5d2f",
        "generation_id": "gen-81ab",
        "model": "gpt-5",
        "hook_event_name": "beforeShellExecution" if event == "pre" else "afterShellExecution",
        "cursor_version": "2.1.0",
        "workspace_roots": [root],
        "command": command,
        "cwd": root,
    }
    if event == "post":
        payload["output"] = ""
        payload["duration"] = 12
    return payload
