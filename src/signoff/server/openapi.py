"""The API's OpenAPI description, as a client author needs it: each answer's shape and each
error it can give.

Answers that mirror a CLI command reuse that command's published JSON Schema (`docs/schemas/`,
`signoff schema NAME`) without the `schema` field, which the API does not repeat; the server's
own answers are described here. Every error is the same object, `{"detail": {"message", "hint"}}`
(422, FastAPI's request validation, has its own documented shape).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "message": {"type": "string"},
                "hint": {"type": ["string", "null"]},
            },
        }
    },
}

_WHY = {
    400: "The request is malformed (a bad commit id, date or push document).",
    401: "No token, or an unknown or revoked one; webhooks: a bad signature or token.",
    403: "The token's scope or repository grants do not allow this.",
    404: "No such repository, commit, pull request or job on this server.",
    409: "The question needs a clone on the server's disk, its job has not computed the answer "
    "yet, or a push lost a race (push again).",
    413: "The payload is larger than the forge's own limit.",
    503: "Webhooks are not configured (no SIGNOFF_WEBHOOK_SECRET).",
}

_OBJ: dict[str, Any] = {"type": "object"}
_STR_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}

_COMMIT_ITEM = "#/components/schemas/explain/properties/commits/items"

_INLINE: dict[str, dict[str, Any]] = {
    "repos": {
        "type": "object",
        "required": ["repositories"],
        "properties": {
            "repositories": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "created_at"],
                    "properties": {"name": {"type": "string"}, "created_at": {"type": "string"}},
                },
            }
        },
    },
    "refs": {
        "type": "object",
        "required": ["repository", "refs"],
        "properties": {
            "repository": {"type": "string"},
            "refs": {"type": "object", "additionalProperties": {"type": "string"}},
            "updates": {
                "type": "array",
                "description": "The newest 50 moves, newest first",
                "items": {
                    "type": "object",
                    "required": ["ref", "old_tip", "new_tip", "rewritten", "at"],
                    "properties": {
                        "ref": {"type": "string"},
                        "old_tip": _STR_OR_NULL,
                        "new_tip": {"type": "string"},
                        "rewritten": {"type": "boolean"},
                        "at": {"type": "string"},
                    },
                },
            },
        },
    },
    "push-request": {
        "type": "object",
        "description": "One batch of `signoff push` (signoff/push/v1): commit records (rows of "
        "`signoff export`), then a final batch that moves the branch tip and carries the gate "
        "results, incidents, policy text and budget report.",
        "required": ["schema"],
        "properties": {
            "schema": {"const": "signoff/push/v1"},
            "commits": {
                "type": "array",
                "maxItems": 5000,
                "items": {
                    "type": "object",
                    "required": ["commit"],
                    "properties": {"commit": {"type": "string", "pattern": "^[0-9a-f]{7,64}$"}},
                },
            },
            "final": {"type": "boolean"},
            "ref": {"type": ["string", "null"], "minLength": 1, "maxLength": 500},
            "old_tip": {"type": ["string", "null"], "pattern": "^[0-9a-f]{7,64}$"},
            "new_tip": {"type": ["string", "null"], "pattern": "^[0-9a-f]{7,64}$"},
            "rewritten": {"type": "boolean"},
            "gate_results": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "required": ["sha", "record"],
                    "properties": {
                        "sha": {"type": "string", "pattern": "^[0-9a-f]{7,64}$"},
                        "record": _OBJ,
                    },
                },
            },
            "incidents": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 200}},
                },
            },
            "policy": {
                "type": ["object", "null"],
                "required": ["sha", "text"],
                "properties": {
                    "sha": {"type": "string", "pattern": "^[0-9a-f]{7,64}$"},
                    "text": {"type": "string"},
                },
            },
            "budget": {
                "type": ["object", "null"],
                "required": ["sha", "record"],
                "properties": {
                    "sha": {"type": "string", "pattern": "^[0-9a-f]{7,64}$"},
                    "record": {
                        "type": "object",
                        "required": ["workflows"],
                        "properties": {"workflows": {"type": "array", "items": _OBJ}},
                    },
                },
            },
        },
    },
    "push-batch": {
        "type": "object",
        "required": ["repository", "commits", "gate_results", "incidents", "ref_moved"],
        "properties": {
            "repository": {"type": "string"},
            "commits": {"type": "integer", "minimum": 0},
            "gate_results": {"type": "integer", "minimum": 0},
            "incidents": {"type": "integer", "minimum": 0},
            "policy_snapshots": {"type": "integer", "minimum": 0},
            "budget_states": {"type": "integer", "minimum": 0},
            "ref": _STR_OR_NULL,
            "ref_moved": {"type": "boolean"},
            "rewritten": {"type": "boolean"},
        },
    },
    "review": {
        "description": "The forge's REST shapes: GitHub {pull, reviews}; GitLab "
        "{merge_request, approvals, versions, commits}",
        "anyOf": [
            {
                "type": "object",
                "required": ["pull", "reviews"],
                "properties": {"pull": _OBJ, "reviews": {"type": "array", "items": _OBJ}},
            },
            {
                "type": "object",
                "required": ["merge_request", "approvals"],
                "properties": {
                    "merge_request": _OBJ,
                    "approvals": _OBJ,
                    "versions": {"type": "array", "items": _OBJ},
                    "commits": {"type": "array", "items": _OBJ},
                },
            },
        ],
    },
    "commits": {
        "type": "object",
        "required": ["commits"],
        "properties": {"commits": {"type": "array", "items": {"$ref": _COMMIT_ITEM}}},
    },
    "stored-stats": {
        "type": "object",
        "description": "Counts over the pushed records (no clone on the server), as `signoff "
        "stats` counts them: merge commits apart (`merges_excluded`); a record that did not "
        "list its parents is counted as a commit and in `merge_unknown`; the two line measures "
        "are never added.",
        "required": [
            "source",
            "commits",
            "by_status",
            "ai_attributed_lines",
            "ai_assisted_unrecorded_lines",
        ],
        "properties": {
            "source": {"const": "pushed records"},
            "commits": {"type": "integer", "minimum": 0},
            "merges_excluded": {"type": "integer", "minimum": 0},
            "merge_unknown": {"type": "integer", "minimum": 0},
            "by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
            "ai_commits": {"type": "integer", "minimum": 0},
            "ai_commit_share": {"type": ["number", "null"]},
            "ai_attributed_lines": {"type": "integer", "minimum": 0},
            "ai_assisted_unrecorded_lines": {"type": "integer", "minimum": 0},
        },
    },
    "budget-state": {
        "type": "object",
        "description": "`signoff budget --json` as last pushed, with when and at which commit",
        "required": ["workflows", "as_of"],
        "properties": {
            "workflows": {"type": "array", "items": _OBJ},
            "as_of": _STR_OR_NULL,
            "commit": {"type": "string"},
        },
    },
    "incidents": {
        "type": "object",
        "required": ["incidents"],
        "properties": {"incidents": {"type": "array", "items": _OBJ}},
    },
    "org-metrics": {
        "type": "object",
        "description": "signoff/org-metrics/v1",
        "required": ["schema"],
        "properties": {"schema": {"const": "signoff/org-metrics/v1"}},
    },
    "queued": {
        "type": "object",
        "required": ["job"],
        "properties": {"job": {"type": "integer"}},
    },
    "job": {
        "type": "object",
        "required": ["id", "kind", "status", "attempts", "max_attempts", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "status": {"enum": ["queued", "running", "done", "failed"]},
            "attempts": {"type": "integer"},
            "max_attempts": {"type": "integer"},
            "created_at": {"type": "string"},
            "updated_at": _STR_OR_NULL,
            "error": _STR_OR_NULL,
            "result": {},
            "requested_by": _STR_OR_NULL,
        },
    },
    "webhook": {
        "type": "object",
        "required": ["outcome"],
        "properties": {
            "outcome": {
                "type": "string",
                "description": "stored, duplicate: ..., or ignored: ... (acknowledged, dropped)",
            }
        },
    },
}

# (method, path) -> the answer's schema (a CLI document's name or one of _INLINE), error codes
_OPERATIONS: dict[tuple[str, str], tuple[str | list[str] | None, list[int]]] = {
    ("get", "/api/v1/repos"): ("repos", [401, 403]),
    ("get", "/api/v1/repos/{name}/refs"): ("refs", [401, 403]),
    ("post", "/api/v1/repos/{name}/push"): ("push-batch", [400, 401, 403, 409]),
    ("get", "/api/v1/repos/{name}/pulls/{number}/review"): ("review", [401, 403, 404]),
    ("get", "/api/v1/repos/{name}/commits/{sha}"): ("commits", [400, 401, 403, 404]),
    ("get", "/api/v1/repos/{name}/explain"): ("explain", [400, 401, 403, 404, 409]),
    ("get", "/api/v1/repos/{name}/owners"): ("owners", [400, 401, 403, 404, 409]),
    ("get", "/api/v1/repos/{name}/stats"): (["stats", "stored-stats"], [401, 403, 404]),
    ("get", "/api/v1/repos/{name}/decay"): ("decay", [401, 403, 404, 409]),
    ("get", "/api/v1/repos/{name}/budget"): ("budget-state", [401, 403, 404]),
    ("get", "/api/v1/repos/{name}/incidents"): ("incidents", [401, 403, 404]),
    ("get", "/api/v1/repos/{name}/audit-summary"): (
        "audit-summary",
        [400, 401, 403, 404, 409],
    ),
    ("get", "/api/v1/org/metrics"): ("org-metrics", [401, 403, 404]),
    ("post", "/api/v1/org/metrics"): ("queued", [401, 403]),
    ("post", "/api/v1/org/audit"): ("queued", [400, 401, 403]),
    ("get", "/api/v1/jobs/{job_id}"): ("job", [401, 403, 404]),
    ("get", "/api/v1/jobs/{job_id}/artifact"): (None, [401, 403, 404]),
    ("get", "/api/v1/audit/verify"): ("server-verify", [401, 403]),
    ("post", "/webhooks/github"): ("webhook", [400, 401, 413, 503]),
    ("post", "/webhooks/gitlab"): ("webhook", [400, 401, 413, 503]),
}

# fields of a CLI document the API does not send
_NOT_SENT = {"schema", "pack", "server"}
_CLI_DOCS = {
    "explain": "explain-v2",
    "owners": "owners-v1",
    "stats": "stats-v2",
    "decay": "decay-v2",
    "audit-summary": "audit-summary-v1",
    "server-verify": "server-verify-v1",
}


def _cli_schema(name: str, components: dict[str, Any]) -> dict[str, Any]:
    """A command's published schema as an OpenAPI component: its `$defs` become components of
    their own (references rewritten), and the fields the API does not send are not required."""
    from signoff.schemas import schema_dir

    doc = json.loads((schema_dir() / f"{_CLI_DOCS[name]}.json").read_text(encoding="utf-8"))
    for key in ("$schema", "$id"):
        doc.pop(key, None)
    defs = doc.pop("$defs", {})
    text = json.dumps(doc)
    for sub in defs:
        text = text.replace(f'"#/$defs/{sub}"', f'"#/components/schemas/{name}.{sub}"')
    out: dict[str, Any] = json.loads(text)
    for sub, body in defs.items():
        components[f"{name}.{sub}"] = json.loads(
            json.dumps(body).replace('"#/$defs/', f'"#/components/schemas/{name}.')
        )
    out["required"] = [r for r in out.get("required", []) if r not in _NOT_SENT]
    props = out.get("properties", {})
    for field in _NOT_SENT:
        props.pop(field, None)
    if name == "explain":
        props["source"] = {"const": "pushed records", "description": "no clone on the server"}
    if name == "decay":  # the stored result: which repository, when, at which tip, how fresh
        props["repository"] = {"type": "string"}
        props["computed_at"] = {"type": "string"}
        props["tip"] = {"type": ["string", "null"]}
        props["stale"] = {"type": "boolean", "description": "pushed since it was computed"}
        props["pending"] = {"type": "boolean", "description": "the decay job is queued or running"}
        out["required"] = [*out["required"], "repository", "computed_at", "tip", "stale", "pending"]
    return out


def install(app: FastAPI) -> None:
    """Replace the app's generated description with one that says what every route answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM
        for name in _CLI_DOCS:
            components[name] = _cli_schema(name, components)
        for name, body in _INLINE.items():
            components[name] = copy.deepcopy(body)
        for (method, path), (answer, errors) in _OPERATIONS.items():
            op = doc["paths"][path][method]
            ok = "202" if "202" in op["responses"] else "200"
            if answer is not None:
                names = answer if isinstance(answer, list) else [answer]
                refs = [{"$ref": f"#/components/schemas/{n}"} for n in names]
                schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
                op["responses"][ok]["content"] = {"application/json": {"schema": schema}}
            else:  # a file
                op["responses"][ok]["content"] = {
                    "application/gzip": {"schema": {"type": "string", "format": "binary"}}
                }
            for code in errors:
                op["responses"][str(code)] = {
                    "description": _WHY[code],
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    },
                }
        doc["paths"]["/api/v1/repos/{name}/push"]["post"]["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/push-request"}}
            },
        }
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
