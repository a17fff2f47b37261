"""One agreement, in reading order; each module imports only from those before it.

``scalars``, ``locate`` and ``load`` read YAML into data with the position of every key and value;
``fastschema`` (with the generated ``_fast_*`` validators) and ``validate`` check its form;
``facts`` turns it into the facts rules match; ``compiler`` and ``catalogue`` make rule files into
engine conditions; ``engine`` runs them (the only module that imports durable-rules); ``firings``
reads what fired; ``waivers`` applies the agreement's waivers; ``checker`` runs the stages for one
file and holds the one rule for when a document is sound enough to be read by the rules (and by
the simulation, the repository rules and the diff).
"""
