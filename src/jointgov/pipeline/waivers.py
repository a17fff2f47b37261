"""Pipeline stage 5: apply the waivers recorded in an agreement (JG801-JG803).

A waiver moves the findings it covers (same rule, by id or name; on its
``target`` item or inside it) into a waived list that every reporter shows. It
never hides a finding silently, and it suppresses nothing when it is expired
(JG801) or unapproved (JG802): those two are ordinary declarative rules, and a
waiver is valid exactly when neither fires on it. JG803 (a waiver that
suppresses nothing) depends on every other finding, so it is decided here.
JG0xx and JG8xx findings can never be waived.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jointgov.model import Finding, Waived, WaiverInfo
from jointgov.pipeline.catalogue import Catalogue
from jointgov.pipeline.locate import Locations

ID_SECTIONS = ("parties", "joint_posts", "protocols", "dispute_routes", "secondments", "pooled_budgets",
               "governance_bodies")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def read_waivers(data: Any, locations: Locations, path: str, findings: list[Finding]) -> list[WaiverInfo]:
    """The agreement's waivers, each marked valid unless JG801 or JG802 fired on it."""
    items = data.get("waivers") if isinstance(data, dict) else None
    out = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        ptr = f"/waivers/{i}"
        broken = any(f.rule_id in ("JG801", "JG802") and (f.pointer == ptr or f.pointer.startswith(ptr + "/"))
                     for f in findings)
        line, col = locations.at(ptr)
        out.append(WaiverInfo(path, line, col, ptr, _text(item.get("rule")), _text(item.get("target")),
                              _text(item.get("reason")), _text(item.get("approved_by")),
                              _text(item.get("approved_on")), _text(item.get("expires_on")), valid=not broken))
    return out


def _item_pointers(data: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for section in ID_SECTIONS:
        items = data.get(section) if isinstance(data, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.setdefault(item["id"], f"/{section}/{i}")
    return found


def _waivable(catalogue: Catalogue, key: str) -> bool:
    rule = catalogue.by_key(key)
    return rule is not None and not rule.locked


def _inside(pointer: str, item: str) -> bool:
    return pointer == item or pointer.startswith((item + "/", item + "#"))


def apply_waivers(findings: list[Finding], waivers: list[WaiverInfo], data: Any, locations: Locations,
                  catalogue: Catalogue, active: frozenset[str]) -> tuple[list[Finding], list[Waived], list[WaiverInfo]]:
    """Split *findings* into kept and waived; add JG803 findings for waivers that suppress nothing.

    Returns (findings kept, waived findings, the waivers as applied).
    """
    items = _item_pointers(data)
    kept: list[Finding] = []
    waived: list[Waived] = []
    used: set[str] = set()
    for finding in findings:
        rule = catalogue.by_key(finding.rule_id)
        cover = None
        if rule is not None and not rule.locked:
            for waiver in waivers:
                if not waiver.valid or waiver.rule not in (rule.id, rule.name):
                    continue
                if waiver.target and not _inside(finding.pointer, items.get(waiver.target, "\0")):
                    continue
                cover = waiver
                break
        if cover is None:
            kept.append(finding)
        else:
            used.add(cover.pointer)
            waived.append(Waived(finding, cover))
    jg803 = catalogue.by_key("JG803")
    for waiver in waivers:
        rule = catalogue.by_key(waiver.rule)
        if waiver.pointer in used or jg803 is None or "JG803" not in active:
            continue
        if rule is not None and not rule.locked and rule.id not in active:
            continue  # the rule is not part of this run (--select/--ignore): nothing to say
        if rule is None:
            why = f"the waiver names '{waiver.rule}', which is no rule: it suppresses nothing"
        elif rule.locked:
            why = f"{rule.id} {rule.name} cannot be waived (JG0xx and JG8xx never are): the waiver suppresses nothing"
        elif not waiver.valid:
            continue  # JG801/JG802 already say why it suppresses nothing
        else:
            scope = f" on '{waiver.target}'" if waiver.target else ""
            why = f"the waiver of {rule.id} {rule.name}{scope} suppresses no finding: remove it, or fix its target"
        line, col = locations.at(waiver.pointer + "/rule")
        kept.append(Finding(waiver.path, line, col, "JG803", why, jg803.name, jg803.severity,
                            waiver.pointer + "/rule"))
    applied = [replace(w, valid=w.valid and _waivable(catalogue, w.rule)) for w in waivers]
    return sorted(kept), sorted(waived, key=lambda w: w.finding), applied
