"""Schema and corpus-level checks producing findings.

Rows are validated against the Table Schema in schema/ with frictionless's
semantics (vectorised on Arrow where arrow_checks mirrors the schema, else by
frictionless itself), and each error is mapped back to the capture, or to the
sidecar that supplied the value, with a stable code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pyarrow as pa

from corpuspack.article.record import RECORD_FIELDS, Article
from corpuspack.checks import arrow as arrow_checks
from corpuspack.findings.report import Finding, error
from corpuspack.project.schema import RecordSchema

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
            # The corpus's own fields share one code; each built-in field has its own.
            return f"missing-{field}" if field in RECORD_FIELDS else "missing-field"
        if constraint == "unique" and field == "id":
            return "duplicate-id"
        return _CODES.get(constraint, "constraint-violation")
    if error_type == "type-error":
        return "wrong-type"
    return error_type


CHUNK = 5000  # rows checked at a time: bounds the memory of the row dicts


def rows_findings(
    rows: list[dict] | None,
    descriptor: dict,
    arrow_schema: pa.Schema | None = None,
    table: pa.Table | None = None,
) -> list[tuple]:
    """(rowNumber, fieldName, type, note) for rows, as frictionless reports them (first data row is 2).

    The constraints the schema uses are checked column by column on Arrow (arrow_checks,
    about 100 times faster than frictionless's row-by-row reading, with the same
    findings: tests/test_arrow_checks.py compares them). Rows that do not fit the
    Arrow types, or a schema using what arrow_checks does not mirror, go through
    frictionless itself.
    """
    try:
        if table is None:
            table = pa.Table.from_pylist(
                rows, schema=arrow_schema or RecordSchema(descriptor).plain_arrow
            )
        return arrow_checks.check_table(table, descriptor, notes=True)
    except (NotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        if rows is None:
            if table is None:  # neither was given: there is nothing to check
                raise TypeError("rows_findings needs the rows or their table") from None
            rows = table.to_pylist()
        from frictionless import Resource, Schema  # (only here: it is slow to import)

        report = Resource(data=rows, schema=Schema.from_descriptor(descriptor)).validate(
            limit_errors=10**9
        )
        found = []
        for task in report.tasks:
            for err in task.errors:
                found.append(
                    (
                        getattr(err, "row_number", None),
                        getattr(err, "field_name", None),
                        err.type,
                        getattr(err, "note", "") or "",
                    )
                )
        return found


def validate_articles(articles: Sequence[Article], schema_descriptor: dict) -> list[Finding]:
    """Validate every article against the Table Schema, CHUNK rows at a time.

    Ids repeated across chunks are found by the corpus-level duplicate-id check, which
    sees every article.
    """
    arrow_schema = RecordSchema(schema_descriptor).plain_arrow
    findings: list[Finding] = []
    for start in range(0, len(articles), CHUNK):
        chunk = articles[start : start + CHUNK]
        for finding in check_chunk(
            chunk, [a.to_row() for a in chunk], schema_descriptor, arrow_schema
        ):
            if finding not in findings:
                findings.append(finding)
    return findings


def check_chunk(
    chunk: Sequence[Article],
    rows: list[dict],
    schema_descriptor: dict,
    arrow_schema: pa.Schema,
    table: pa.Table | None = None,
) -> list[Finding]:
    """Findings of one chunk of articles, given their rows (and, if already made, their Arrow table)."""
    return _findings(
        rows_findings(rows, schema_descriptor, arrow_schema, table),
        chunk.__getitem__,
        lambda i, field: rows[i].get(field),
        lambda article: [a.raw_path for a in chunk if a.id == article.id and a is not article],
    )


def check_records(
    table: pa.Table, schema_descriptor: dict, record: Callable[[int], Article]
) -> list[Finding]:
    """Findings of rows already in Arrow (the cache's): record(i) rebuilds the record of row i, which is
    done only for a row with a finding."""
    ids, paths = table.column("id").to_pylist(), table.column("raw_path").to_pylist()
    return _findings(
        rows_findings(None, schema_descriptor, table.schema, table),
        record,
        lambda i, field: table.column(field)[i].as_py(),
        lambda article: [
            p for i, p in zip(ids, paths, strict=True) if i == article.id and p != article.raw_path
        ],
    )


def _hint(code: str, field: str | None) -> str:
    """What to do about a value that fails the schema."""
    if field == "published_precision" and code == "not-in-enum":
        # The precision is corpuspack's, from the date given: the schema may not list it.
        return (
            "give the date in full, or list the precision in the enum of published_precision "
            'in schema/article.schema.json (a date known only to the year or month is "year" '
            'or "year-month")'
        )
    if field is not None and field not in RECORD_FIELDS:
        return (
            "give it in the sidecar as fields: {" + f"{field}: " + "{value: ..., note: ...}}"
            " (a bundle's line: in its meta), or from the plugin that fills it"
        )
    return _HINTS.get(code, "fix the capture or its sidecar")


def _findings(
    found: list[tuple],
    record: Callable[[int], Article],
    value: Callable[[int, str], object],
    others: Callable[[Article], list[str]],
) -> list[Finding]:
    """Findings of (rowNumber, fieldName, type, note) tuples, told against the file (and line) to fix."""
    findings: list[Finding] = []
    for row_number, field, kind, note in found:
        if row_number is None:
            findings.append(error("schema/article.schema.json", kind, note or kind))
            continue
        code = _code(kind, field, note or "")
        article = record(row_number - 2)
        if kind == "primary-key" and article.id is None:
            continue  # reported as missing-id
        if code == "duplicate-id":
            message = (
                f"id {article.id} is already used by {', '.join(others(article))}; ids must be unique: "
                "pin a different id in the sidecar or move the capture"
            )
            field = "id"
        elif kind == "unique-error":
            message = f"{field} repeats the value of an earlier article; it must be unique"
        else:
            value_shown = value(row_number - 2, field) if field else None
            shown = (
                repr(value_shown)
                if not isinstance(value_shown, str) or len(value_shown) < 80
                else repr(value_shown[:77] + "...")
            )
            hint = _hint(code, field)
            message = f"{field} = {shown}: {note}; {hint}"
        file, line = article.source_of(field) if field else (article.raw_path, None)
        finding = error(file, code, message, line=line, field=field)
        if finding not in findings:
            findings.append(finding)
    return findings
