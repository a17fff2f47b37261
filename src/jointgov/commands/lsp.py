"""``jointgov lsp``: the language server, over stdio, for editors (it needs the ``lsp`` extra).

The server is ``jointgov.lsp``; this command gives it what the other commands make: the text
``jointgov init`` writes (for the missing-section actions) and what ``jointgov explain`` prints.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence

from jointgov.config import parse_date
from jointgov.model import EXIT_CLEAN, ConfigError

INSTALL = "pip install 'jointgov[lsp]'"


def _explain(rule: str, rules_dirs: Sequence[str]) -> str:
    from jointgov.commands.explain import run as explain

    out = io.StringIO()
    explain(rule, rules_dirs, out)
    return out.getvalue()


def run(as_of: str | None = None, rules_dirs: Sequence[str] = (), config_path: str | None = None,
        debounce_ms: int | None = None) -> int:
    """Serve the editor on stdin and stdout until it says exit; a missing ``lsp`` extra is a ConfigError (exit 2)."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "pygls"
        raise ConfigError(f"the language server needs the lsp extra ({missing} is not installed): {INSTALL}") from exc
    if as_of:
        parse_date(as_of)  # a bad date is a usage error now, not a diagnostic on every file later
    if config_path and not os.path.isfile(config_path):
        raise ConfigError(f"invalid config: {config_path}: no such file")
    from jointgov.commands.init import render
    from jointgov.lsp.checking import ServerOptions
    from jointgov.lsp.server import Given, create

    options = ServerOptions(as_of=as_of, rules_dirs=tuple(os.path.abspath(d) for d in rules_dirs),
                            config=os.path.abspath(config_path) if config_path else None)
    if debounce_ms is not None:
        options = ServerOptions(options.as_of, options.rules_dirs, options.config, debounce_ms)
    create(options, Given(render(), _explain)).start_io()
    return EXIT_CLEAN
