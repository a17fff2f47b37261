"""jointgov test suite."""
