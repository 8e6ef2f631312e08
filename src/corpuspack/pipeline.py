"""The build's middle: raw captures in, validated article records and a report out.

Reads raw/ (through ingest) and nothing else; writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import extract, ingest, profiles, validate
from .article import Article
from .project import Project
from .report import Report
from .schema import RecordSchema


@dataclass
class Result:
    articles: list[Article]
    report: Report
    schema: RecordSchema


def run(project: Project) -> Result:
    schema = RecordSchema(project.load_schema())
    registry = profiles.registry()
    discovery = ingest.discover(project.raw_dir, project.root, max_file_bytes=project.settings.max_file_bytes)
    report = Report(files_checked=discovery.files_seen)
    report.extend(discovery.findings)
    known_outlets = schema.enum("outlet")
    articles: list[Article] = []
    for document in discovery.documents:
        article, findings = extract.extract(document, registry, known_outlets)
        report.extend(findings)
        if article is not None:
            articles.append(article)
    articles.sort(key=lambda a: (a.id, a.raw_path))
    report.articles_checked = len(articles)
    report.extend(validate.validate_articles(articles, schema.descriptor))
    return Result(articles=articles, report=report, schema=schema)
