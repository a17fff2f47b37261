"""The governance diff: what changes between two versions of an agreement, and in which direction."""
