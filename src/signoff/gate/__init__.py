"""The gate: rules over a change set -> findings, and the reporters that render them."""
