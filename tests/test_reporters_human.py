"""The human-readable reports: Markdown (golden file, escaping) and HTML (static checks, a real browser).

``tests/golden/report.md`` is the Markdown report of ``protocols/`` as of 2026-11-23, made by
``tests.goldens``. It changes whenever the report, the rules or the bundled agreements do; after
such a change write it again with ``python -m tests.goldens`` and review the diff before committing
it (the test only compares).

The browser tests open the HTML report in Debian's Chromium (``/usr/bin/chromium``, which CI installs
with apt) through the ``playwright`` package, never a downloaded browser. They are skipped when
Chromium is missing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from jointgov.commands.check import run
from jointgov.model import AREAS
from tests.conftest import BASE, ROOT
from tests.goldens import check_report, expected

AS_OF = "2026-11-23"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
INJECTED = "<script>alert(1)</script>"
PIPE_TITLE = "| pipes | *stars* `ticks` _under_ <b>bold</b>"


def report(directory: Path, paths: list[str], fmt: str, fail_on: str | None = None) -> str:
    """The report of *paths*, run from *directory* (paths in the report are relative to it)."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        run(paths, fmt=fmt, as_of=AS_OF, out=out, fail_on=fail_on)
    return out.getvalue()


@pytest.fixture(scope="module")
def edge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three agreements: hostile text in a title and a party name, a valid waiver, a broken form.

    The directory has its own (empty) ``jointgov.toml`` and ``.git`` so that no configuration from
    above applies and paths are shown relative to it.
    """
    directory = tmp_path_factory.mktemp("agreements")
    (directory / ".git").mkdir()
    (directory / "jointgov.toml").write_text("")
    waiver_rule = yaml.safe_load((ROOT / "rules" / "JG802-waiver-unapproved.yaml").read_text(encoding="utf-8"))
    example: str = waiver_rule["examples"]["pass"][0]["agreement"]
    # the example's waiver of JG607 expires in 2026-06; one still in force suppresses the JG607 finding
    (directory / "waived.yaml").write_text(example.replace("expires_on: 2026-06-30", "expires_on: 2027-06-30"))
    hostile = (example.split("waivers:")[0]
               .replace("title: Example partnership", f"title: {PIPE_TITLE!r}".replace("'", '"'))
               .replace("name: Example Council", f'name: "{INJECTED}"'))
    (directory / "hostile.yaml").write_text(hostile)
    (directory / "broken.yaml").write_text("jointgov: 1\nagreement: [\n")
    return directory


@pytest.fixture(scope="module")
def protocols_md() -> str:
    return check_report("markdown")


@pytest.fixture(scope="module")
def protocols_html() -> str:
    return report(ROOT, ["protocols"], "html")


@pytest.fixture(scope="module")
def edge_md(edge_dir: Path) -> str:
    return report(edge_dir, ["."], "markdown")


@pytest.fixture(scope="module")
def edge_html(edge_dir: Path) -> str:
    return report(edge_dir, ["."], "html")


# Markdown

def test_markdown_matches_golden_file(protocols_md: str) -> None:
    assert protocols_md == expected("report.md"), "if the change is intended: python -m tests.goldens, review the diff"


def test_summary_matches_golden_file() -> None:
    assert check_report("summary") == expected("summary.md"), "if intended: python -m tests.goldens, review the diff"


def test_markdown_is_deterministic(protocols_md: str) -> None:
    assert report(ROOT, ["protocols"], "markdown", fail_on="never") == protocols_md


def test_markdown_opens_with_the_verdict_and_summary_and_ends_with_provenance(protocols_md: str) -> None:
    assert protocols_md.startswith("# Partnership agreement compliance report\n\nChecked 7 agreements as of "
                                   "2026-11-23 against 65 rules: 5 do not pass, 1 passes with warnings or notes, 1 "
                                   "passes.\n\n## Summary\n")
    assert protocols_md.index("## Summary") < protocols_md.index("\n## 1. ") < protocols_md.index("## Provenance")
    assert "- As of: 2026-11-23" in protocols_md.split("## Provenance")[1]
    assert re.search(r"protocols/barking-dagenham-2001\.yaml: [0-9a-f]{64}\n", protocols_md)
    assert "| Agreement | Verdict | Errors | Warnings | Info | Waived |" in protocols_md
    barking = protocols_md.split("\n## 1. ")[1].split("\n## 2. ")[0]
    headings = [line[4:] for line in barking.splitlines() if line.startswith("### ")]
    assert headings == [title for title in AREAS.values() if title in headings]
    assert headings[:2] == ["Joint posts", "Disputes"]
    # no JSON pointer for a board; the rationale, the evidence and what to do, as the HTML has them
    assert ("- At protocols/barking-dagenham-2001.yaml:118:5: Joint post "
            "'Chief Executive of the PCT and Director of Social Services' names no protocol") in barking
    assert "/joint\\_posts" not in protocols_md and "(/" not in protocols_md
    jg101 = barking.split("**JG101 protocol-before-appointment**")[1].split("\n**JG102")[0]
    assert jg101.index("Why it matters: In 2001 Barking and Dagenham combined") < jg101.index("Evidence:") < \
        jg101.index("What to do: Add a `protocols` item of kind `joint-post`")


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_escapes_agreement_text_so_tables_hold(edge_md: str) -> None:
    rows = [line for line in edge_md.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 3
    assert {unescaped_pipes(row) for row in rows} == {7}
    hostile = next(row for row in rows if "hostile.yaml" in row)
    assert hostile.startswith(r"| \| pipes \| \*stars\* \`ticks\` \_under\_ \<b\>bold\</b\> (hostile.yaml) |")
    assert r"Parties: \<script\>alert(1)\</script\>; Example PCT." in edge_md
    assert not re.search(r"(?<!\\)[<>`*_]", edge_md.split("## Summary")[1].split("## 1.")[0])
    assert not re.search(r"(?<!\\)[<>]", edge_md)


ADDRESSES = ("https://evil.example/x", "HTTP://EVIL.EXAMPLE", "ftp://evil.example", "www.evil.example",
             "a@evil.example", "mailto:b@evil.example", "xmpp:c@evil.example")


def test_addresses_in_agreement_text_are_no_live_links_on_github(tmp_path: Path) -> None:
    """Item 18 of issue 12: GitHub's Markdown (cmark-gfm with its autolink extension) links bare addresses by
    itself; in the report they are code, and @mentions (which notify people) too. The only links are ours."""
    import cmarkgfm

    title = "See " + ", ".join(ADDRESSES) + " and @board."
    (tmp_path / "u.yaml").write_text(BASE.replace("title: Example partnership", f"title: {title}") + "stray: 1\n")
    rendered = cmarkgfm.github_flavored_markdown_to_html(report(tmp_path, ["u.yaml"], "markdown"))
    assert re.findall(r'<a href="([^"]*)"', rendered) == [f"#{a}" for a in re.findall(r'<a id="([^"]*)"', rendered)]
    heading = re.search(r"<h2>1\. (.*)</h2>", rendered)
    assert heading is not None and heading.group(1) == (
        "See " + ", ".join(f"<code>{a}</code>" for a in ADDRESSES) + " and <code>@board</code>.")


def test_markdown_lists_waived_findings_with_their_waiver(edge_md: str) -> None:
    assert "- Waivers applied:\n  - waived.yaml line 27: JG607, approved by board on 2025-01-15, expires 2027-06-30" \
        in edge_md
    waived = edge_md.split("### Waived findings\n\n")[1]
    assert waived.startswith("- **JG607 standard-clauses** (warning) at waived.yaml:1:1: ")
    assert ("Waived by the waiver at line 27: approved by board on 2025-01-15, expires 2027-06-30. "
            "Reason: The standard clauses are being redrafted") in waived
    # 5 warnings: JG903 (the repository rules run on a directory) sees the council named otherwise in hostile.yaml
    # with --fail-on warning (the default) the warnings fail the agreement too, and its verdict says so; 4 errors:
    # JG201 among them (it has no dispute route at all)
    assert "| Example partnership (waived.yaml) | Does not pass: 4 errors, 5 warnings | 4 | 5 | 0 | 1 |" in edge_md


def test_markdown_says_a_broken_form_must_be_fixed_first(edge_md: str) -> None:
    assert ("| broken.yaml | Does not pass: 1 error in its form, which must be fixed before the rules can "
            "judge it | 1 | 0 | 0 | 0 |") in edge_md


# HTML, statically

URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)""", re.I)


@pytest.mark.parametrize("name", ["protocols_html", "edge_html"])
def test_html_is_self_contained(name: str, request: pytest.FixtureRequest) -> None:
    page: str = request.getfixturevalue(name)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"\bon[a-z]+\s*=", page, re.I), "no event handler attributes"
    assert "http:" not in page and "https:" not in page
    assert "url(" not in page and "@import" not in page and "<link" not in page and "<img" not in page
    assert all(target.startswith("#") for target in URL_ATTRIBUTE.findall(page))
    assert "default-src 'none'" in page


def test_html_shows_hostile_text_only_escaped(edge_html: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in edge_html
    assert "alert(1)" not in edge_html.replace("&lt;script&gt;alert(1)&lt;/script&gt;", "")
    assert "| pipes | *stars* `ticks` _under_ &lt;b&gt;bold&lt;/b&gt;" in edge_html
    assert "<b>" not in edge_html


def section(page: str, number: int) -> str:
    return page.split(f'id="agreement-{number}"')[1].split('<section class="')[0]


def test_html_verdicts_findings_and_evidence(protocols_html: str) -> None:
    assert re.search(r'<span class="verdict">Does not pass: \d+ errors, \d+ warnings</span>',
                     section(protocols_html, 1))
    # the 2003 form, checked today
    assert '<span class="verdict">Does not pass: 4 warnings</span>' in section(protocols_html, 2)
    assert '<span class="verdict">Passes</span>' in section(protocols_html, 3)  # the agreement as it stands today
    barking = section(protocols_html, 1)
    areas = [title for title in AREAS.values() if f"<h3>{title}</h3>" in barking]
    assert [m for m in re.findall(r"<h3>([^<]+)</h3>", barking)] == areas
    jg101 = barking.split('<span class="rule-id">JG101</span>')[1].split("</article>")[0]
    assert '<p class="where">Clause: <code>protocols/barking-dagenham-2001.yaml:118:5</code></p>' in jg101
    assert "/joint_posts" not in protocols_html, "no JSON pointer for a board"
    assert "Why it matters" in jg101 and "What to do" in jg101
    assert ("“Agreed protocols should have been in place, with arbitration if required, before any joint "
            "appointments were made.”<cite>Source: Community Care, &#34;Behind the headlines&#34;, 2003</cite>"
            ) in jg101
    assert "<code>protocols</code>" in jg101


def test_html_crosswalk_gives_each_rules_result_per_agreement(protocols_html: str) -> None:
    crosswalk = protocols_html.split('<section class="crosswalk')[1]
    row = crosswalk.split('<span class="rule-id">JG101</span>')[1].split("</tr>")[0]
    assert re.findall(r'class="res res-[a-z-]+">([a-z ]+)<', row) == [
        "fails", "passes", "passes", "not applicable", "not applicable", "fails", "fails"]
    # each source is cited once, above the lessons drawn from it
    sources = re.findall(r'<th class="cw-source" colspan="9"><cite>([^<]+)</cite></th>', crosswalk)
    assert len(sources) == len(set(sources)) and sources[0] == "Community Care, &#34;Acute problems of trust&#34;, 2003"
    regulations = crosswalk.split("<cite>NHS Bodies and Local Authorities Partnership Arrangements Regulations 2000 "
                                  "(SI 2000/617)</cite>")[1]
    assert '<span class="provision">reg 7(3)</span>: <q>must be in writing</q></td>' in regulations


def test_html_waivers_and_broken_form(edge_html: str) -> None:
    waived = edge_html.split("<h3>Waived findings</h3>")[1].split("</table>")[0]
    for text in ("JG607", "standard-clauses", "<td>board</td>", "2025-01-15", "2027-06-30",
                 "The standard clauses are being redrafted"):
        assert text in waived
    assert "which must be fixed before the rules can judge it" in edge_html
    row = edge_html.split('<span class="rule-id">JG607</span><span class="cw-name">')[1].split("</tr>")[0]
    assert re.findall(r'class="res res-[a-z-]+">([a-z ]+)<', row) == ["not judged", "fails", "waived"]


# HTML, in a real browser

@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (CI installs Debian's chromium with apt)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("name", ["edge_html", "protocols_html"])
def test_html_in_chromium(name: str, browser: object, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    html: str = request.getfixturevalue(name)
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    requests: list[str] = []
    dialogs: list[str] = []
    console: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", on_dialog)
    page.on("console", lambda m: console.append(m.text))
    page.goto(path.as_uri(), wait_until="load")
    assert requests == [path.as_uri()]
    assert dialogs == [] and console == []
    if name == "edge_html":
        assert INJECTED in page.inner_text("body")
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pdf.startswith(b"%PDF-") and pages >= 1
    agreements = html.count('<section class="agreement ')
    assert pages >= agreements + 1, "each agreement starts a new page"
    assert requests == [path.as_uri()] and dialogs == []
    page.close()


def test_html_crosswalk_counts_results_when_there_are_many_agreements(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "jointgov.toml").write_text("")
    text = (ROOT / "protocols" / "barnsley-2003.yaml").read_bytes()
    for n in range(9):
        (tmp_path / f"a{n}.yaml").write_bytes(text)
    crosswalk = report(tmp_path, ["."], "html").split('<section class="crosswalk')[1]
    assert '<th class="num">Fails</th><th class="num">Waived</th><th class="num">Passes</th>' in crosswalk
    row = crosswalk.split('<span class="rule-id">JG401</span>')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num[a-z ]*">(\d+)</td>', row) == ["0", "0", "9", "0", "0"]


def test_a_clean_agreement_prints_as_short_as_its_content(browser: object, tmp_path: Path) -> None:
    """One agreement with no finding: the summary, the agreement and the crosswalk follow one another (no page of
    its own for a short section, each source cited once): four A4 pages in all with the catalogue's 65 rules in the
    crosswalk, where there were seven with 58."""
    html = report(ROOT, ["protocols/barking-dagenham-remediated.yaml"], "html")
    assert "own-page" not in html.split("<main>")[1] and '<p class="no-findings">' in html
    path = tmp_path / "clean.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(path.as_uri(), wait_until="load")
    pdf = page.pdf(format="A4")
    page.close()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) <= 4
