"""The built-in stress scenarios (data files; see docs/scenario-format.md)."""
