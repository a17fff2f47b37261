"""The language server's reading of YAML text around a cursor, and its edits, in-process: a half-typed file, a
compact list, a block scalar, a flow list; where a section and a waiver stub go."""

from __future__ import annotations

import datetime as _dt

import pytest

pytest.importorskip("lsprotocol", reason="the language server needs the lsp extra: pip install 'jointgov[lsp]'")

from jointgov.lsp.actions import place, sections, waiver_edit
from jointgov.lsp.text import cursor, split_lines, token_end, top_keys
from jointgov.model import Finding

TEXT = """\
jointgov: 1
parties:
- id: lbbd  # a compact list: items at the key's column
  name: "Barking: the council"
joint_posts:
  - id: ce
    employer: lb
    notes: |
      decided_by: not a key
    removal:
      decided_by: [lbbd, b
      requires:
      - joint-review
    roles:
      - party:\x20
"""


@pytest.mark.parametrize(("line", "column", "path", "on_key", "prefix"), [
    (6, 16, ("joint_posts", "*", "employer"), False, "lb"),
    (6, 6, ("joint_posts", "*", "employer"), True, "em"),
    (8, 10, ("joint_posts", "*", "notes"), False, "deci"),  # a block scalar's text, not a key
    (10, 26, ("joint_posts", "*", "removal", "decided_by", "*"), False, "b"),  # a flow list, half typed
    (12, 10, ("joint_posts", "*", "removal", "requires", "*"), False, "jo"),  # a compact list
    (14, 15, ("joint_posts", "*", "roles", "*", "party"), False, ""),
    (3, 11, ("parties", "*", "name"), False, "Ba"),
    (2, 8, ("parties", "*", "id"), False, "lb"),
])
def test_the_path_to_the_cursor_is_read_from_the_indentation(line: int, column: int, path: tuple[str, ...],
                                                             on_key: bool, prefix: str) -> None:
    at = cursor(split_lines(TEXT), line, column)
    assert (at.path, at.on_key, at.prefix) == (path, on_key, prefix)


def test_a_findings_span_ends_with_its_key_or_scalar() -> None:
    lines = split_lines(TEXT)
    assert [lines[r][c:token_end(lines[r], c)] for r, c in [(0, 0), (2, 6), (3, 8), (10, 19), (10, 25)]] == [
        "jointgov", "lbbd", '"Barking: the council"', "lbbd", "b"]


def test_a_missing_section_goes_before_the_comments_of_the_next_section_present() -> None:
    skeleton = "jointgov: 1\n\n# parties\nparties: []\n\n# successors\n# are bound\nsuccessors: {}\n\n" \
               "# posts\njoint_posts: []\n"
    found = sections(skeleton)
    assert found == {"jointgov": "jointgov: 1\n", "parties": "# parties\nparties: []\n",
                     "successors": "# successors\n# are bound\nsuccessors: {}\n",
                     "joint_posts": "# posts\njoint_posts: []\n"}
    lines = split_lines("jointgov: 1\nparties: []\n\n# our posts\njoint_posts: []\n")
    edit = place(lines, "successors", list(found), found["successors"])
    assert (edit.line, edit.column, edit.text) == (3, 0, found["successors"] + "\n")
    assert top_keys(lines) == [(0, "jointgov"), (1, "parties"), (4, "joint_posts")]


def test_a_waiver_stub_joins_the_waivers_already_there_at_their_indentation() -> None:
    text = "jointgov: 1\nwaivers:\n    - rule: JG107\n      reason: kept\n\n# the end\nx-notes: []\n"
    finding = Finding("a.yaml", 1, 1, "JG604", "no outcome", "success-measures", "warning", "/outcomes")
    edit = waiver_edit(split_lines(text), finding, {"outcomes": []}, ["board"], _dt.date(2026, 1, 31),
                       ["jointgov", "waivers"])
    assert (edit.line, edit.column, edit.end_line) == (4, 0, None)
    assert edit.text.splitlines() == [
        "    - rule: JG604  # success-measures",
        '      reason: "TODO: why the exception is justified, as the approving body recorded it"',
        "      approved_by: board  # a body with members from every party",
        "      approved_on: 2026-01-31  # the date of the body's decision",
        "      expires_on: 2027-01-31  # when the exception ends"]
