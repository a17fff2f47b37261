"""Reporters: one module per output format, each with ``write(report, out, colour=False)``.

``report`` is the ``Report`` every format is fed; ``view`` the view both human-readable reports
(Markdown and HTML) render; ``simulation`` and ``diff`` write the output of ``jointgov simulate``
and ``jointgov diff``; ``catalogue`` the rule reference (docs/rules.md); ``baseline`` records and
hides known findings.
"""
