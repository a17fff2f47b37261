"""``jointgov lsp``: the language server (pygls 2, over stdio), one module per feature.

``text`` reads the YAML text around a cursor (it works on broken and half-typed files), ``checking``
runs the checker on an open file as ``jointgov check`` would, ``diagnostics``, ``hover``,
``completion``, ``definitions`` and ``actions`` answer the editor, ``workspace`` runs the repository
rules (JG901-JG905) over a workspace folder on save, and ``server`` wires them to the protocol.
Only ``server`` and the modules that build protocol objects import pygls or lsprotocol, which come
with the ``lsp`` extra (``pip install 'jointgov[lsp]'``).
"""
