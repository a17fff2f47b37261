"""The built-in rule catalogue: one YAML file per rule (installed as the package ``jointgov.rules``)."""
