"""Schema and corpus-level checks producing findings.

Rows are validated through the frictionless library against the Table Schema in
schema/ before they become Parquet (frictionless cannot read Parquet list
columns), and each frictionless error is mapped back to the capture, or to the
sidecar that supplied the value, with a stable code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from frictionless import Resource, Schema

from .article import Article
from .report import Finding, error

_CONSTRAINT = re.compile(r'constraint "(\w+)"')
_CODES = {
    "pattern": "pattern-mismatch",
    "enum": "not-in-enum",
    "minLength": "too-short",
    "maxLength": "too-long",
    "minimum": "too-small",
    "maximum": "too-large",
    "unique": "duplicate-value",
}
_HINTS = {
    "not-in-enum": "use one of the values the schema lists",
    "pattern-mismatch": "make it match the schema's pattern",
}


def _code(error_type: str, field: str | None, note: str) -> str:
    if error_type == "primary-key" or (error_type == "unique-error" and field == "id"):
        return "duplicate-id"
    if error_type == "constraint-error":
        match = _CONSTRAINT.search(note)
        constraint = match.group(1) if match else ""
        if constraint == "required":
            return f"missing-{field}"
        if constraint == "unique" and field == "id":
            return "duplicate-id"
        return _CODES.get(constraint, "constraint-violation")
    if error_type == "type-error":
        return "wrong-type"
    return error_type


CHUNK = 5000  # rows per frictionless resource: bounds the memory of the row dicts


def validate_articles(articles: Sequence[Article], schema_descriptor: dict) -> list[Finding]:
    """Validate every article against the Table Schema through frictionless.

    Rows go to frictionless a chunk at a time; ids duplicated across chunks are found
    by the corpus-level duplicate-id check, which sees every article.
    """
    schema = Schema.from_descriptor(schema_descriptor)
    findings: list[Finding] = []
    for start in range(0, len(articles), CHUNK):
        findings.extend(_validate_chunk(articles[start:start + CHUNK], schema))
    return findings


def _validate_chunk(articles: Sequence[Article], schema: Schema) -> list[Finding]:
    rows = [a.to_row() for a in articles]
    report = Resource(data=rows, schema=schema).validate(limit_errors=10 ** 9)
    findings: list[Finding] = []
    for task in report.tasks:
        for err in task.errors:
            row_number = getattr(err, "row_number", None)
            field = getattr(err, "field_name", None)
            note = getattr(err, "note", "") or ""
            if row_number is None:
                findings.append(error("schema/article.schema.json", err.type, err.message))
                continue
            article = articles[row_number - 2]
            code = _code(err.type, field, note)
            if code == "duplicate-id":
                others = [a.raw_path for a in articles if a.id == article.id and a is not article]
                message = (f"id {article.id} is already used by {', '.join(others)}; ids must be unique: "
                           "pin a different id in the sidecar or move the capture")
                field = "id"
            else:
                value = rows[row_number - 2].get(field) if field else None
                shown = repr(value) if not isinstance(value, str) or len(value) < 80 else repr(value[:77] + "...")
                hint = _HINTS.get(code, "fix the capture or its sidecar")
                message = f"{field} = {shown}: {note}; {hint}"
            file, line = article.source_of(field) if field else (article.raw_path, None)
            finding = error(file, code, message, line=line, field=field)
            # The primary key and the field's unique constraint report the same clash twice.
            if finding not in findings:
                findings.append(finding)
    return findings
