"""The build's middle: raw captures in, validated article records and a report out.

Reads raw/ (through ingest) and nothing else; writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import corpus, extract, ingest, profiles, validate
from .article import Article
from .project import Project, ProjectError
from .report import Report
from .schema import RecordSchema


@dataclass
class Result:
    articles: list[Article]
    report: Report
    schema: RecordSchema


def run(project: Project, *, today: dt.date | None = None) -> Result:
    """Check the whole corpus; today (if given) makes future publication dates errors."""
    schema = RecordSchema(project.load_schema())
    unknown = sorted(set(project.settings.require) - set(schema.names))
    if unknown:
        raise ProjectError(f"datapackage.json: \"require\" names unknown field(s) {', '.join(unknown)}; "
                           f"fields are: {', '.join(schema.names)}")
    registry = profiles.registry()
    discovery = ingest.discover(project.raw_dir, project.root, max_file_bytes=project.settings.max_file_bytes)
    report = Report(files_checked=discovery.files_seen)
    report.extend(discovery.findings)
    known_outlets = schema.enum("outlet")
    articles: list[Article] = []
    for document in discovery.documents:
        article, findings = extract.extract(document, registry, known_outlets, today)
        report.extend(findings)
        if article is not None:
            articles.append(article)
    articles.sort(key=lambda a: (a.id, a.raw_path))
    report.articles_checked = len(articles)
    report.extend(validate.validate_articles(articles, schema.descriptor))
    report.extend(corpus.check(articles, project.settings))
    return Result(articles=articles, report=report, schema=schema)
