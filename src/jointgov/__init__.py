"""jointgov: a rules-based checker for joint-governance partnership agreements."""

__version__ = "0.1.0"
