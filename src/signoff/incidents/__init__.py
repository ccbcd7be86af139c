"""Incidents, error budgets and postmortems: who owned what broke, which gate let it through.

Public entry points (the CLI, the gate and the audit pack call these):

- `store.load_incidents(repo, rev=None)`, `store.get_incident`, `store.load_overrides`,
  `store.load_attestations`: the reviewed records, with positioned errors (`RecordError`);
- `ops.open_incident`, `link`, `unlink`, `update`, `resolve`, `record_override`: the only writers;
- `classify.connect_all(repo, incidents)`: each incident's `ai-connected` / `not-ai` /
  `unknown` label and why;
- `budget.budget_report(repo, now, rev=None)`, `budget.budgets(policy, connected, now)`: error
  budget state per workflow, as of any moment;
- `trace.trace(repo, incident, now=..., gate_evidence=...)`: the decision chain and the controls
  that let each change through;
- `postmortem.postmortem_markdown` / `postmortem_html`: the blameless postmortem from a trace;
- `tools.tool_figures`, `decay.decay`, `decay.attest`: per-tool evidence, ownership decay.
"""
