"""What extraction does to one capture: the record, and every removed line with its rule.

For a maintainer writing an outlet profile: `corpuspack profile show raw/<outlet>/<file>.txt`
prints this, so a profile can be written and checked without reading corpuspack's code.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpuspack.article import profiles
from corpuspack.article.custom import CustomFields
from corpuspack.article.record import Article, Removal
from corpuspack.build.captures import process
from corpuspack.build.extensions import Chosen
from corpuspack.capture import ingest
from corpuspack.findings.report import Finding
from corpuspack.project.datapackage import Project
from corpuspack.project.schema import RecordSchema

# What the rules extraction applies itself (not furniture rules of a profile) remove.
_STRUCTURAL = {
    "title": "the headline (profile: title: first-line)",
    "title-suffix": "the outlet's name after the headline (profile: title_suffix)",
    "timestamp": "the publication time (profile: timestamp)",
    "dateline": "the dateline (profile: dateline)",
    "lead": "the standfirst before the dateline (profile: lead: before-dateline)",
    "tag-line": "the keywords line at the end (profile: trailer: keywords: last-line)",
}


@dataclass(frozen=True)
class Removed:
    """A line extraction removed, the rule that removed it and why that rule exists."""

    line: int
    text: str
    rule: str
    why: str


@dataclass(frozen=True)
class Explanation:
    capture: str
    profile: str | None  # the file of the profile used, as shown (None: no profile)
    article: Article | None
    removed: tuple[Removed, ...]
    findings: tuple[Finding, ...]


class NotACapture(Exception):
    """The path is not a single-file capture under raw/."""


def explain(project: Project, shown: str, chosen: Chosen) -> Explanation:
    """Extract the capture at shown (project-relative) with the project's profiles."""
    scan = ingest.scan(project.raw_dir, project.root)
    capture = next((c for c in scan.captures if c.shown == shown), None)
    if capture is None:
        raise NotACapture(
            f"{shown} is not a capture under raw/ (a .txt file with its outlet folder)"
        )
    registry = profiles.load_registry(chosen.profiles)
    inputs, problems = ingest.read(capture, project.settings.max_file_bytes)
    if problems:
        return Explanation(shown, None, None, (), tuple(problems))
    schema = RecordSchema(project.load_schema())
    entry = process(
        capture,
        inputs,
        registry,
        list(schema.enum("outlet")),
        project.load_vocabulary(),
        chosen.annotators,
        CustomFields(schema.custom, chosen.field_sources),
    )
    article = entry.article
    profile = registry.by_outlet(article.outlet) if article and article.outlet else None
    removed = tuple(_removed(r, registry) for r in (article.removed if article else ()))
    return Explanation(
        shown, profile.source if profile else None, article, removed, tuple(entry.findings)
    )


def _removed(removal: Removal, registry: profiles.Registry) -> Removed:
    owner, _, rule_id = removal.rule.partition("/")
    profile = registry.by_slug(owner)
    rules = registry.generic if owner == "generic" else (profile.furniture if profile else ())
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is not None:
        source = (
            registry.generic_source if owner == "generic" else profile.source if profile else ""
        )
        why = f"{rule.why or 'furniture'} ({source}, furniture rule {rule_id})"
    elif profile is not None and rule_id == profile.trailer_other:
        why = f"the trailer's other lines ({profile.source}, trailer)"
    else:
        why = _STRUCTURAL.get(rule_id, rule_id)
    return Removed(removal.line, removal.text, removal.rule, why)
