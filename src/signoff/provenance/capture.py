"""What a commit's line records add up to: lines per kind and tool, and whether capture failed.

`stats`, the index and the audit pack count the four line kinds (ai, ai-modified, human,
unknown) per tool, model and session, and list AI-assisted commits whose line record is missing
("lost") or that the recorder said it could not finish ("incomplete"), with why. Several records
of one commit count each line once, in the order `signoff.query.blame.line_attribution` reads
them: the first record that names a line with a known kind answers for it, `unknown` only fills
lines no record knows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from signoff.provenance.model import LineKind, LineRecord, LineSpan, Provenance, ToolUse

# The states of capture for a commit that is not fully recorded.
LOST = "lost"  # AI-assisted, and no line record names any of its lines
INCOMPLETE = "incomplete"  # a recorder said its record is incomplete (`complete: false`)


@dataclass(frozen=True, slots=True)
class KindCount:
    """Lines of one kind a commit's records give one tool use (tool None: human or unknown)."""

    kind: LineKind
    tool: ToolUse | None
    lines: int


def named_records(prov: Provenance) -> list[LineRecord]:
    """The line records that name at least one line (an empty, incomplete record names none)."""
    return [r for r in prov.line_records if r.files]


def merged_spans(prov: Provenance) -> dict[str, list[LineSpan]]:
    """One answer per line over all the commit's records, as `line_attribution` reads them:
    the first record that names a line with a known kind wins; `unknown` fills only lines no
    record knows. Per path, spans sorted by line (a span cut by an earlier claim loses its
    range hash)."""
    import dataclasses

    out: dict[str, list[LineSpan]] = {}
    taken: dict[str, list[tuple[int, int]]] = {}
    for known in (True, False):
        for record in prov.line_records:
            for path, spans in record.files.items():
                covered = taken.setdefault(path, [])
                for span in spans:
                    if (span.author != "unknown") != known:
                        continue
                    fresh = uncovered(covered, span.start, span.end)
                    for a, b in fresh:
                        whole = (a, b) == (span.start, span.end)
                        piece = (
                            span if whole else dataclasses.replace(span, start=a, end=b, hash=None)
                        )
                        out.setdefault(path, []).append(piece)
                    covered.extend(fresh)
    return {p: sorted(v, key=lambda s: s.start) for p, v in out.items()}


def kind_counts(
    prov: Provenance, added: Mapping[str, Sequence[int]] | None = None
) -> list[KindCount]:
    """Lines per (kind, tool use) over the commit's records, each line once.

    With `added` (per path, the sorted numbers of the lines the commit added), only those lines
    count: a record may name lines the commit did not add (a Git AI note attributes whole files,
    even on a commit that deletes one), and the kinds measure this commit's lines.
    """
    from bisect import bisect_left, bisect_right

    totals: dict[tuple[LineKind, ToolUse | None], int] = {}
    for path, spans in merged_spans(prov).items():
        lines = None if added is None else added.get(path, ())
        for span in spans:
            if lines is None:
                n = span.end - span.start + 1
            else:
                n = bisect_right(lines, span.end) - bisect_left(lines, span.start)
            if n:
                key = (span.author, span.tool if span.ai_written else None)
                totals[key] = totals.get(key, 0) + n
    return [KindCount(kind, tool, n) for (kind, tool), n in totals.items()]


def uncovered(covered: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The parts of start..end that no range in `covered` holds."""
    pieces = [(start, end)]
    for a, b in covered:
        cut: list[tuple[int, int]] = []
        for s, e in pieces:
            if e < a or s > b:
                cut.append((s, e))
                continue
            if s < a:
                cut.append((s, a - 1))
            if e > b:
                cut.append((b + 1, e))
        pieces = cut
        if not pieces:
            break
    return pieces


def capture_gap(prov: Provenance) -> tuple[str, str] | None:
    """(state, why) when the commit's line record is incomplete, or lost for an AI-assisted
    commit; None when the record is complete, or the commit is not AI-assisted and has none."""
    gaps = [g for r in prov.line_records if not r.complete for g in (r.gaps or ("no reason",))]
    if gaps:
        return INCOMPLETE, "; ".join(dict.fromkeys(gaps))
    if not prov.ai_assisted or named_records(prov):
        return None
    if any(m.detector == "signoff.note" and m.source == "hook" for m in prov.markers):
        return LOST, (
            "Signoff's commit hook recorded the commit without line ranges: no agent checkpoint "
            "was captured for its files (agent hooks not installed, or the working log was lost)"
        )
    named = ", ".join(dict.fromkeys(f"{m.source} {m.detector}" for m in prov.markers if m.tool))
    why = f"only commit-level markers ({named or 'none named'}): no line capture for this commit"
    if prov.problems:
        why += f"; {prov.problems[-1]}"
    return LOST, why
