"""Incidents, error budgets and postmortems: who owned what broke, which gate let it through.

Public entry points:

- `load_incidents(repo, rev=None)`, `get_incident`, `write_record`: the reviewed records;
- `connect(repo, incident, lookup)`: the `ai-connected` / `not-ai` / `unknown` label and why;
- `budgets(policy, connected, now)`: error budget state per workflow, as of any moment;
- `trace(repo, incident)`: the decision chain behind every linked change;
- `postmortem_markdown`, `postmortem_html`: the blameless postmortem, filled from the trace.
"""
