"""Stress scenarios: scenario files as state machines, run on the rule engine over one agreement."""
