"""The language server: pygls over stdio, every check on one engine thread, diagnostics debounced.

An open file is checked when it is opened and, once it has stayed unchanged for the debounce delay,
after each change; the repository rules run over its workspace folder when it is saved. Checks
run one at a time on a single worker thread (the engine keeps one session per process), so the
event loop stays free to answer hover, completion and the rest while a check runs; a check whose
file has changed meanwhile is published only if no newer one is on its way. Nothing an author types
stops the server: a file that does not parse gets its JG001-JG006 findings, a check that fails gets
a diagnostic saying so, and a request that fails returns nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from jointgov import __version__
from jointgov.files import REGISTRY_NAME
from jointgov.lsp import actions as actions_mod
from jointgov.lsp.checking import AGREEMENT, Outcome, Project, ServerOptions
from jointgov.lsp.completion import completions
from jointgov.lsp.definitions import defined_at, definition, list_kinds, reference_kinds, references
from jointgov.lsp.diagnostics import diagnostic, diagnostics, problem
from jointgov.lsp.hover import findings_at, hover_text
from jointgov.lsp.text import cursor, split_lines, token_end
from jointgov.lsp.workspace import RepositoryPass
from jointgov.model import Finding

log = logging.getLogger("jointgov.lsp")

COMPLETION_TRIGGERS = [":", " ", "[", ",", "-"]


@dataclass(frozen=True)
class Given:
    """What the command layer gives the server: the text ``jointgov init`` writes, and ``jointgov explain``."""

    skeleton: str
    explain: Callable[[str, Sequence[str]], str]
    """The explanation of a rule (id or name), with the run's extra rule directories."""


@dataclass
class FileState:
    """An open file: what its last check found, on which text."""

    checked: str = ""
    version: int | None = None
    """The version of the text checked (the client's, which diagnostics are published with)."""
    outcome: Outcome | None = None
    parsed: tuple[str, Any, Any] | None = None
    """The last text that parsed to a mapping, its data and its locations (for completion on a half-typed file)."""


@dataclass
class State:
    """The server's state between requests."""

    options: ServerOptions
    project: Project
    repository: RepositoryPass
    files: dict[str, FileState] = field(default_factory=dict)
    pending: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    repository_findings: dict[str, list[Finding]] = field(default_factory=dict)
    """The last repository pass's findings, by absolute path."""


class JointgovServer(LanguageServer):
    """jointgov's language server."""

    def __init__(self, options: ServerOptions, given: Given) -> None:
        """A server started with *options* (the client's initializationOptions are added on initialize)."""
        super().__init__("jointgov", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.given = given
        project = Project(options)
        self.state = State(options, project, RepositoryPass(project))
        self.engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jointgov-engine")

    # ------------------------------------------------------------ positions

    def convert(self, lines: list[str]) -> Callable[[int, int], types.Position]:
        """(line, column in characters) → the client's position, in *lines*."""
        codec = self.workspace.position_codec
        return lambda line, column: codec.position_to_client_units(lines, types.Position(line, column))

    def where(self, uri: str, position: types.Position) -> tuple[list[str], int, int]:
        """The current lines of *uri* and the (line, column in characters) of a client's *position*."""
        lines = split_lines(self.workspace.get_text_document(uri).source)
        if position.line >= len(lines):  # past the end: nothing there
            return lines, -1, -1
        at = self.workspace.position_codec.position_from_client_units(lines, position)
        return lines, at.line, at.character

    def parsed(self, uri: str) -> tuple[Any, Any]:
        """The data and locations of *uri*'s current text, or of its last text that parsed (None, None: never)."""
        from jointgov.pipeline.load import parse_text

        text = self.workspace.get_text_document(uri).source
        state = self.state.files.setdefault(uri, FileState())
        if state.parsed is None or state.parsed[0] != text:
            loaded = parse_text(text)  # the reader's default bounds: a hostile file costs bounded time here too
            if isinstance(loaded.data, dict):
                state.parsed = (text, loaded.data, loaded.locations)
        return (state.parsed[1], state.parsed[2]) if state.parsed else (None, None)

    # ------------------------------------------------------------ checking

    def schedule(self, uri: str, delay: float) -> None:
        """Check *uri* after *delay* seconds, unless it changes again first."""
        old = self.state.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.state.pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            document = self.workspace.get_text_document(uri)
            text, version = document.source, document.version
            state = self.state.files.setdefault(uri, FileState())
            if not AGREEMENT.search(text):  # not an agreement: left to the other YAML tools
                state.checked, state.version, state.outcome = text, version, None
            else:
                path = Path(to_fs_path(uri) or uri)
                loop = asyncio.get_running_loop()
                outcome = await loop.run_in_executor(self.engine, self.state.project.check, path, text)
                if self.workspace.get_text_document(uri).version != version and self.state.pending.get(uri) is not \
                        asyncio.current_task():
                    return  # a newer check is on its way
                state.checked, state.version, state.outcome = text, version, outcome
            self.publish(uri)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let a check stop the server
            log.exception("checking %s failed", uri)
            self.publish(uri, f"internal error: {exc.__class__.__name__}: {exc}")
        finally:
            if self.state.pending.get(uri) is asyncio.current_task():
                del self.state.pending[uri]

    def publish(self, uri: str, failure: str = "") -> None:
        """Publish *uri*'s diagnostics: its last check's, then the repository rules' (or *failure*)."""
        state = self.state.files.get(uri)
        path = os.path.abspath(to_fs_path(uri) or uri)
        if state is not None:
            lines = split_lines(state.checked)
        else:
            try:
                lines = split_lines(Path(path).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                lines = [""]
        convert = self.convert(lines)
        out: list[types.Diagnostic] = []
        outcome = state.outcome if state is not None else None
        if failure:
            out.append(problem(failure, convert, "internal"))
        elif outcome is not None and outcome.problem:
            code = "internal" if outcome.problem.startswith("internal error") else "config"
            out.append(problem(outcome.problem, convert, code))
        elif outcome is not None and outcome.result is not None and not outcome.excluded:
            out += diagnostics(outcome.result.findings, outcome.result.waived, lines, convert)
        out += [diagnostic(f, lines, convert) for f in self.state.repository_findings.get(path, [])]
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=out, version=state.version if state is not None else None))

    def folder_of(self, path: Path) -> Path:
        """The workspace folder that holds *path* (the innermost), else the workspace root, else its folder."""
        best: Path | None = None
        roots = [to_fs_path(f.uri) for f in self.workspace.folders.values()] + [self.workspace.root_path]
        for root in roots:
            if root and (path == Path(root) or Path(root) in path.parents):
                if best is None or len(str(root)) > len(str(best)):
                    best = Path(root)
        return best or path.parent

    async def repository_pass(self, uri: str) -> None:
        """Run the repository rules over the workspace folder of *uri* and publish what changed."""
        folder = self.folder_of(Path(os.path.abspath(to_fs_path(uri) or uri)))
        texts = {os.path.abspath(to_fs_path(u) or u): d.source for u, d in self.workspace.text_documents.items()}
        loop = asyncio.get_running_loop()
        try:
            found = await loop.run_in_executor(self.engine, self.state.repository.run, folder, texts)
        except Exception as exc:  # a broken configuration is already on every open file
            log.warning("repository rules over %s: %s", folder, exc)
            return
        inside = {p for p in self.state.repository_findings if Path(p) == folder or folder in Path(p).parents}
        for path in inside:
            del self.state.repository_findings[path]
        self.state.repository_findings.update(found)
        for path in sorted(inside | set(found)):
            self.publish(from_fs_path(path) or path)


def create(options: ServerOptions, given: Given) -> JointgovServer:
    """The server with every feature registered."""
    server = JointgovServer(options, given)

    @server.feature(types.INITIALIZE)
    def initialize(ls: JointgovServer, params: types.InitializeParams) -> None:
        root = Path(ls.workspace.root_path or os.getcwd())
        merged = ls.state.options.merged(params.initialization_options, root)
        project = Project(merged)
        ls.state = State(merged, project, RepositoryPass(project))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: JointgovServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: JointgovServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.state.options.debounce_ms / 1000)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(ls: JointgovServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if AGREEMENT.search(ls.workspace.get_text_document(uri).source) or uri.endswith("/" + REGISTRY_NAME):
            await ls.repository_pass(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: JointgovServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.state.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.state.files.pop(uri, None)
        ls.publish(uri)  # what stays: the repository rules' findings on the file

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: JointgovServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        lines, line, column = ls.where(uri, params.position)
        state = ls.state.files.get(uri)
        outcome = state.outcome if state is not None else None
        found: list[Finding] = []
        if outcome is not None and outcome.result is not None:
            found = [*outcome.result.findings, *(w.finding for w in outcome.result.waived)]
        found += ls.state.repository_findings.get(os.path.abspath(to_fs_path(uri) or uri), [])
        here = findings_at(found, lines, line, column)
        at = cursor(lines, line, column)
        data, _ = ls.parsed(uri)
        catalogue = outcome.prepared.catalogue if outcome is not None and outcome.prepared is not None else None
        text = hover_text(at, here, catalogue, data)
        if not text:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=COMPLETION_TRIGGERS))
    def complete(ls: JointgovServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri = params.text_document.uri
        lines, line, column = ls.where(uri, params.position)
        at = cursor(lines, line, column)
        data, _ = ls.parsed(uri)
        state = ls.state.files.get(uri)
        outcome = state.outcome if state is not None else None
        catalogue = outcome.prepared.catalogue if outcome is not None and outcome.prepared is not None else None
        found = completions(at, lines[line] if line < len(lines) else "", data, catalogue, ls.convert(lines))
        return types.CompletionList(is_incomplete=False, items=found) if found else None

    def located(ls: JointgovServer, uri: str, locations: Any, pointer: str) -> types.Location | None:
        start = locations.value.get(pointer) if locations is not None else None
        if start is None:
            return None
        lines = split_lines(ls.workspace.get_text_document(uri).source)
        row, col = start[0] - 1, start[1] - 1
        end = token_end(lines[row], col) if row < len(lines) else col + 1
        convert = ls.convert(lines)
        return types.Location(uri=uri, range=types.Range(convert(row, col), convert(row, end)))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def goto_definition(ls: JointgovServer, params: types.DefinitionParams) -> types.Location | None:
        uri = params.text_document.uri
        lines, line, column = ls.where(uri, params.position)
        at = cursor(lines, line, column)
        if at.on_key or not (reference_kinds(at.path) or list_kinds(at.path)) or not at.word:
            return None
        data, locations = ls.parsed(uri)
        return located(ls, uri, locations, definition(data, at.word))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def find_references(ls: JointgovServer, params: types.ReferenceParams) -> list[types.Location] | None:
        uri = params.text_document.uri
        lines, line, column = ls.where(uri, params.position)
        at = cursor(lines, line, column)
        if at.on_key or not at.word or not (defined_at(at.path) or reference_kinds(at.path) or list_kinds(at.path)):
            return None
        data, locations = ls.parsed(uri)
        pointers = references(data, at.word)
        if params.context.include_declaration and definition(data, at.word):
            pointers = [definition(data, at.word), *pointers]
        found = [loc for loc in (located(ls, uri, locations, p) for p in pointers) if loc is not None]
        found.sort(key=lambda loc: (loc.range.start.line, loc.range.start.character))
        return found or None

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: JointgovServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        state = ls.state.files.get(uri)
        outcome = state.outcome if state is not None else None
        if state is None or outcome is None or outcome.result is None or outcome.prepared is None:
            return None
        lines = split_lines(state.checked)
        first, last = params.range.start.line, params.range.end.line
        chosen = [f for f in outcome.result.findings if first <= f.line - 1 <= last]
        doc = outcome.document
        as_of = outcome.prepared.settings.options.as_of
        joint = [str(f["id"]) for f in doc.facts(as_of) if f.get("type") == "body" and f.get("joint")] \
            if doc is not None and doc.sound else []
        context = actions_mod.Context(uri, lines, doc.data if doc is not None else None,
                                      outcome.prepared.catalogue, ls.given.skeleton, joint, as_of)
        return actions_mod.actions(context, chosen, ls.convert(lines), list(params.context.diagnostics)) or None

    @server.command(actions_mod.EXPLAIN)
    async def explain(ls: JointgovServer, rule: str) -> str:
        text = ls.given.explain(rule, ls.state.options.rules_dirs)
        supported = (ls.client_capabilities.window is not None and ls.client_capabilities.window.show_document
                     is not None and ls.client_capabilities.window.show_document.support)
        if supported:
            folder = Path(tempfile.gettempdir()) / f"jointgov-explain-{os.getpid()}"
            folder.mkdir(exist_ok=True)
            page = folder / f"{re.sub(r'[^A-Za-z0-9-]', '', rule) or 'rule'}.txt"
            page.write_text(text, encoding="utf-8")
            await ls.window_show_document_async(types.ShowDocumentParams(uri=from_fs_path(str(page)) or str(page),
                                                                          take_focus=True))
        else:
            ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=text))
        return text

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: JointgovServer, *_: Any) -> None:
        for task in ls.state.pending.values():
            task.cancel()
        ls.engine.shutdown(wait=False, cancel_futures=True)

    return server
