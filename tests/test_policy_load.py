"""Loading signoff.yaml: every kind of bad input becomes a positioned finding with a fix, and YAML
crafted to explode is refused before it is built."""

from __future__ import annotations

import time

import pytest

from signoff.errors import SignoffError
from signoff.policy import PolicyError, load_policy_text
from signoff.policy.yamlsafe import Limits, YamlProblem, load_yaml
from tests.policy_fixtures import base, dump

GOOD = dump(base())


def problems(text: str | bytes, exceptions: list[tuple[str, str]] = ()) -> list:  # type: ignore[assignment,type-arg]
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "signoff.yaml", exceptions)
    assert isinstance(caught.value, SignoffError)  # the CLI prints it and exits 2
    return caught.value.findings


def only(text: str | bytes) -> object:
    found = problems(text)
    assert len(found) == 1, [f.message for f in found]
    return found[0]


def test_good_policy_loads() -> None:
    policy = load_policy_text(GOOD)
    assert [w.id for w in policy.document.workflows] == ["everything", "payments", "policy"]


def test_malformed_yaml_has_line_and_column() -> None:
    text = "schema: signoff/policy/v1\npeople:\n  - id: ada\n    name: [Ada\n"
    f = only(text)
    assert f.rule == "yaml.syntax"
    assert f.line == 5 and f.column == 1
    assert f.fix


def test_tab_indentation_names_the_fix() -> None:
    f = only("schema: signoff/policy/v1\npeople:\n\t- id: ada\n")
    assert f.rule == "yaml.syntax"
    assert f.line == 3
    assert "spaces" in f.fix


def test_unknown_key_suggests_the_nearest_valid_key() -> None:
    text = GOOD.replace("  accountable: ada\n", "  acountable: ada\n")
    assert text != GOOD
    f = only(text)
    assert f.rule == "schema.unknown-key"
    assert "acountable" in f.message and "workflows[payments]" in f.message
    assert "did you mean 'accountable'?" in f.fix
    line = text.splitlines()[f.line - 1]
    assert line.strip().startswith("acountable") and line.index("acountable") + 1 == f.column


def test_unknown_top_level_key() -> None:
    f = only(GOOD + "workflow: []\n")
    assert f.rule == "schema.unknown-key"
    assert "did you mean 'workflows'?" in f.fix


def test_wrong_type_says_what_was_expected() -> None:
    text = GOOD.replace("    max_ai_incidents: 3\n", "    max_ai_incidents: three\n")
    f = only(text)
    assert f.rule == "schema.type"
    assert "whole number" in f.message and "'three'" in f.message
    assert text.splitlines()[f.line - 1].endswith("three")


def test_wrong_type_for_a_section() -> None:
    f = only("schema: signoff/policy/v1\npeople: ada\n")
    assert f.rule == "schema.type"
    assert f.line == 2 and "a list" in f.message


def test_type_fixes_are_concrete() -> None:
    data = base()
    data["workflows"][0]["paths"] = "*.py"
    data["people"][3]["name"] = 1984
    data["workflows"][1]["escalation"][1]["respond_within"] = 2
    fixes = {f.message.split(":")[0]: f.fix for f in problems(dump(data))}
    assert fixes["workflows[everything].paths"] == 'write a list: ["*.py"]'
    assert fixes["people[hedy].name"] == "quote it: name: '1984'"
    assert "15m" in fixes["workflows[payments].escalation[#2].respond_within"]


def test_unknown_tier_key_points_at_the_key() -> None:
    text = GOOD.replace("  high:\n    min_approvals: 1\n", "  hihg:\n    min_approvals: 1\n")
    f = only(text)
    assert f.rule == "schema.value" and "'hihg'" in f.message
    assert f.fix == "did you mean 'high'?"
    assert text.splitlines()[f.line - 1] == "  hihg:" and f.column == 3


def test_misspelt_tier_suggests_the_tier() -> None:
    f = only(GOOD.replace("tier: critical", "tier: critcal"))
    assert f.rule == "schema.value"
    assert "did you mean 'critical'?" in f.fix


def test_missing_required_key_points_at_its_parent() -> None:
    f = only(GOOD.replace("    tier: critical\n", ""))
    assert f.rule == "schema.missing"
    assert "'tier'" in f.message and "workflows[payments]" in f.message
    assert f.line is not None


def test_wrong_schema_version() -> None:
    f = only(GOOD.replace("schema: signoff/policy/v1", "schema: signoff/policy/v9"))
    assert f.rule == "schema.version"
    assert f.line == GOOD.splitlines().index("schema: signoff/policy/v1") + 1
    f = only(GOOD.replace("schema: signoff/policy/v1\n", ""))
    assert f.rule == "schema.missing" and "'schema'" in f.message


def test_duplicate_yaml_key_names_both_lines() -> None:
    text = "schema: signoff/policy/v1\npeople: []\nteams: []\npeople: []\n"
    f = only(text)
    assert f.rule == "yaml.duplicate-key"
    assert (f.line, f.column) == (4, 1)
    assert "line 2" in f.message


def test_invalid_glob_patterns_are_positioned() -> None:
    text = GOOD.replace("      - /payments/\n", "      - '!payments/'\n      - /src/*.[ch]\n")
    found = problems(text)
    assert {f.rule for f in found} == {"pattern.invalid"}
    lines = text.splitlines()
    assert "!payments/" in lines[found[0].line - 1]
    assert "[ch]" in lines[found[1].line - 1]
    assert "negation" in found[0].message and "character ranges" in found[1].message


def test_bad_duration_and_bad_id_and_bad_email() -> None:
    text = (
        GOOD.replace("respond_within: 30m", "respond_within: soon")
        .replace("- id: hedy", "- id: hedy lamarr")
        .replace("grace@example.com", "grace-at-example")
    )
    found = problems(text)
    assert [f.rule for f in found] == ["schema.value"] * 3
    messages = " ".join(f.message for f in found)
    assert "'soon' is not a duration" in messages
    assert "'hedy lamarr' is not a valid id" in messages
    assert "not a valid email" in messages


def test_escalation_level_needs_exactly_one_target() -> None:
    text = GOOD.replace(
        "      - person: grace\n", "      - person: grace\n        workflow: everything\n"
    )
    f = only(text)
    assert f.rule == "schema.value" and "exactly one of person or workflow" in f.message


def test_error_budget_needs_a_limit() -> None:
    text = GOOD.replace("      max_ai_incidents: 3\n", "")
    f = only(text)
    assert "needs a limit" in f.message


def test_empty_file_and_non_mapping() -> None:
    assert only("").rule == "schema.empty"
    assert only("# only a comment\n").rule == "schema.empty"
    assert only("- a\n- b\n").rule == "schema.empty"


def test_many_problems_are_reported_together_in_file_order() -> None:
    text = GOOD.replace("tier: critical", "tier: urgent").replace(
        "  accountable: ada\n", "  owner: ada\n"
    )
    found = problems(text)
    assert len(found) == 2
    assert found[0].line < found[1].line  # type: ignore[operator]
    message = str(PolicyError(found))
    assert "signoff.yaml:" in message and "fix:" in message


def test_exception_file_problems_name_that_file() -> None:
    bad = (
        "schema: signoff/exception/v1\nboundary: auth\npaths: [/auth/x/]\napprover: ada\n"
        "reason: r\nexpires: someday\n"
    )
    found = problems(GOOD, [(".signoff/exceptions/x.yaml", bad)])
    assert found[0].file == ".signoff/exceptions/x.yaml"
    assert found[0].line == 6 and "date" in found[0].message


def test_tags_and_multiple_documents_are_refused() -> None:
    assert only("schema: !!python/object:os.system x\n").rule == "yaml.tag"
    assert only("schema: signoff/policy/v1\n---\npeople: []\n").rule == "yaml.multiple-documents"


def test_not_utf8() -> None:
    f = only(b"schema: signoff/policy/v1\nname: \xff\n")
    assert f.rule == "yaml.encoding" and f.line == 2


def test_anchors_and_merge_keys_work() -> None:
    text = """
schema: signoff/policy/v1
people:
  - {id: ada, name: Ada}
workflows:
  - &wf
    id: one
    description: first
    paths: [/one/]
    tier: low
    accountable: ada
  - <<: *wf
    id: two
    paths: [/two/]
"""
    policy = load_policy_text(text)
    two = policy.document.workflows[1]
    assert (two.id, two.paths, two.accountable) == ("two", ["/two/"], "ada")


# -- hostile input: refused quickly, before construction ---------------------------------------


def _timed(text: str | bytes, limits: Limits | None = None) -> tuple[YamlProblem, float]:
    start = time.perf_counter()
    with pytest.raises(YamlProblem) as caught:
        load_yaml(text, limits) if limits else load_yaml(text)
    return caught.value, time.perf_counter() - start


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    problem, seconds = _timed("\n".join(lines) + "\n")
    assert problem.rule == "yaml.too-large"
    assert "aliases" in problem.message
    assert problem.mark is not None and problem.mark.line <= 10
    assert seconds < 2.0


def test_quadratic_alias_blowup_through_mappings_is_refused() -> None:
    text = "x0: &x0 {k: v}\n" + "".join(
        f"x{i}: &x{i} {{a: *x{i - 1}, b: *x{i - 1}, c: *x{i - 1}}}\n" for i in range(1, 30)
    )
    problem, seconds = _timed(text)
    assert problem.rule == "yaml.too-large"
    assert seconds < 2.0


def test_deep_nesting_is_refused_at_the_limit() -> None:
    problem, seconds = _timed("a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert problem.rule == "yaml.too-deep"
    assert seconds < 2.0
    block = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "end: 1\n"
    problem, _ = _timed(block)
    assert problem.rule == "yaml.too-deep"
    assert problem.mark is not None and problem.mark.line == 33


def test_huge_scalar_is_refused() -> None:
    problem, seconds = _timed("schema: " + "x" * 200_000 + "\n")
    assert problem.rule == "yaml.too-large"
    assert "characters" in problem.message
    assert seconds < 2.0


def test_huge_file_is_refused_before_parsing() -> None:
    text = "people:\n" + "  - {id: p, name: n}\n" * 2_000_000  # ~40 MB
    problem, seconds = _timed(text)
    assert problem.rule == "yaml.too-large" and problem.mark is None
    assert "bytes" in problem.message
    assert seconds < 1.0


def test_recursive_alias_is_refused() -> None:
    problem, _ = _timed("a: &a [1, *a]\n")
    assert problem.rule == "yaml.recursive-alias"


def test_limits_are_configurable() -> None:
    problem, _ = _timed("a: [1, 2, 3, 4]\n", Limits(max_nodes=3))
    assert problem.rule == "yaml.too-large"


def test_positions_of_keys_and_values() -> None:
    data, source = load_yaml("a:\n  b: [x, y]\n  c: {d: 1}\n")
    assert data == {"a": {"b": ["x", "y"], "c": {"d": 1}}}
    assert source.keys[("a", "c")] == source.key(("a", "c"))
    assert (source.key(("a", "c")).line, source.key(("a", "c")).column) == (3, 3)  # type: ignore[union-attr]
    assert (source.value(("a", "b", 1)).line, source.value(("a", "b", 1)).column) == (2, 10)  # type: ignore[union-attr]
    # a location the file does not show falls back to the nearest enclosing node
    assert source.value(("a", "c", "zzz")) == source.values[("a", "c")]


def test_yaml_12_scalars() -> None:
    data, _ = load_yaml("a: yes\nb: true\nc: 010\nd: 0x1f\ne: 1.5\nf: ~\ng: '3'\nh: 2026-01-01\n")
    assert data == {
        "a": "yes",
        "b": True,
        "c": 10,
        "d": 31,
        "e": 1.5,
        "f": None,
        "g": "3",
        "h": "2026-01-01",
    }


def test_yes_and_no_are_booleans_where_a_boolean_is_expected() -> None:
    text = GOOD.replace("met: true", "met: yes", 1)
    policy = load_policy_text(text)
    assert policy.document.workflows[0].conditions.context.met is True  # type: ignore[union-attr]
