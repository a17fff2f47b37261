"""The sources the rules and scenarios cite, and how a citation is printed.

The list is data shipped in the package (``sources.yaml``): each source has a short stable
id, and a rule's or scenario's evidence names it (``{source: callaghan-2003, quote: ...}`` or
``{source: si-2000-617, provision: reg 7(3)}``). Everything that shows evidence (``jointgov
explain``, docs/rules.md and every report) prints the full citation made here: publication,
title, author and year for an article; full title, number and provision for a regulation.
A source that is not in the list (a user's own rule file may cite free text) is printed as
given, and so is the older ``regulation:`` form.

``python -m jointgov.reporters.sources`` prints docs/sources.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Source:
    """One citable source: an article (``kind: article``) or a statutory instrument (``kind: regulation``)."""

    id: str
    kind: str
    title: str = ""
    untitled: str = ""
    """For an article with no headline: what it is, in words that let a reader find it."""
    publication: str = ""
    author: str = ""
    number: str = ""
    date: str = ""
    date_note: str = ""
    url: str = ""
    description: str = ""

    @property
    def year(self) -> str:
        return self.date[:4]

    def citation(self) -> str:
        """``Community Care, "Can we work together?", David Callaghan, 2003``, or a regulation's title and number."""
        if self.kind == "regulation":
            return f"{self.title} ({self.number})" if self.number else self.title
        title = f'"{self.title}"' if self.title else self.untitled
        return ", ".join(part for part in (self.publication, title, self.author, self.year) if part)


@cache
def load() -> dict[str, Source]:
    """The shipped source list, by id."""
    text = resources.files("jointgov").joinpath("sources.yaml").read_text(encoding="utf-8")
    return {item["id"]: Source(**{k: " ".join(str(v).split()) for k, v in item.items()})
            for item in yaml.safe_load(text)["sources"]}


def lookup(item: Mapping[str, str]) -> Source | None:
    """The listed source an evidence item cites, or None (free text, or the ``regulation:`` form)."""
    return load().get(item.get("source", ""))


def cite(item: Mapping[str, str]) -> str:
    """The full citation of an evidence item, as plain text, without its quote."""
    listed = lookup(item)
    where = listed.citation() if listed else item.get("source") or item.get("regulation") or ""
    provision = item.get("provision")
    return f"{where}, {provision}" if provision else where


def evidence_text(item: Mapping[str, str], open_quote: str = '"', close_quote: str = '"') -> str:
    """The citation and, when the item has one, its quote: ``Community Care, ..., 2003: "it made ..."``."""
    quote = item.get("quote")
    return f"{cite(item)}: {open_quote}{quote}{close_quote}" if quote else cite(item)


def markdown() -> str:
    """docs/sources.md: every source in the list, with its citation, date and description."""
    lines = ["# Sources", "",
             "Generated from `src/jointgov/sources.yaml` by `python -m jointgov.reporters.sources`; do not edit",
             "by hand (a test fails when this file is stale).", "",
             "The rules (docs/rules.md), the stress scenarios and the bundled examples in `protocols/` cite",
             "these sources by id. `jointgov explain`, docs/rules.md and every report print the full citation",
             "shown here. Quotes are exact apart from line breaks; `...` marks words left out. The articles",
             "were read as published on Community Care's website; dates are as far as each text shows them.", ""]
    for kind, heading in (("article", "Articles"), ("regulation", "Regulations")):
        lines += [f"## {heading}", ""]
        for source in (s for s in load().values() if s.kind == kind):
            lines += [f"### `{source.id}`", "", source.citation() + ".", ""]
            if source.kind == "article":
                lines += [f"- Publication: {source.publication}",
                          f"- Title: {source.title}" if source.title else "- Title: none (the text has no headline)"]
                lines += [f"- Author: {source.author}"] if source.author else ["- Author: not named in the text"]
            else:
                lines += [f"- Title: {source.title}", f"- Number: {source.number}"]
            lines += [f"- Date: {source.date}" + (f". {source.date_note}" if source.date_note else "")]
            lines += [f"- Where: <{source.url}>"] if source.url else []
            lines += [f"- What it is: {source.description}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
