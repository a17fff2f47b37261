"""One agreement, in reading order: load (with scalars and locate) → validate → facts → engine → waivers.

``checker`` runs the stages for one file and holds the one rule for when a document is sound
enough for the rules (and the simulation, the repository rules, the diff) to read it.
"""
