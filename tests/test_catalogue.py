"""The finding catalogue: every code used in src/ is in it, every code in it is used, the
call sites' severities are its own, its renderings are current, and a code it lacks is refused.

Call sites are found by walking every module of src/corpuspack with ast, so the checks
hold wherever a module moves.
"""

from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpuspack.findings import catalogue
from corpuspack.findings.catalogue import CATALOGUE, STAGES
from corpuspack.findings.report import Finding, Report, error, warning
from support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import render_findings  # noqa: E402

SOURCES = REPO / "src" / "corpuspack"
MAKERS = {"error": "error", "warning": "warning", "Finding": None}


@dataclass(frozen=True)
class Site:
    where: str
    code: str
    severity: str | None  # None where it is not a literal


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return call.args[position] if len(call.args) > position else None


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _made(call: ast.Call) -> tuple[ast.expr | None, str | None] | None:
    """(code, severity) of a call to error(), warning() or Finding(); None for other calls."""
    name = _name(call.func)
    if name not in MAKERS:
        return None
    if name == "Finding":
        severity = _argument(call, 4, "severity")
        return _argument(call, 2, "code"), "error" if severity is None else _literal(severity)
    return _argument(call, 1, "code"), MAKERS[name]


def _forwarders(tree: ast.Module) -> dict[str, tuple[int, str, str | None]]:
    """Helpers that pass one of their parameters on as a code, e.g. problem(code, message):
    name -> (position, parameter, severity)."""
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        parameters = [a.arg for a in node.args.posonlyargs + node.args.args]
        for call in ast.walk(node):
            made = _made(call) if isinstance(call, ast.Call) else None
            if made and isinstance(made[0], ast.Name) and made[0].id in parameters:
                found[node.name] = (parameters.index(made[0].id), made[0].id, made[1])
    return found


def _sites(path: Path) -> list[Site]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    forwarders = _forwarders(tree)
    sites = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name = _name(call.func)
        if name in forwarders:
            position, parameter, severity = forwarders[name]
            made: tuple | None = (_argument(call, position, parameter), severity)
        else:
            made = _made(call)
        code = _literal(made[0]) if made else None
        if made and code is not None:
            where = f"{path.relative_to(REPO).as_posix()}:{call.lineno}"
            sites.append(Site(where, code, made[1]))
    return sites


SITES = [site for path in sorted(SOURCES.rglob("*.py")) for site in _sites(path)]


def test_the_scan_finds_the_call_sites():
    # a scan that found nothing would let every other test here pass
    assert len({site.code for site in SITES}) > 50
    helper = "def problem(code, message):\n    return error('f', code, message)\n"
    assert _forwarders(ast.parse(helper)) == {"problem": (0, "code", "error")}


def test_every_code_used_in_src_is_catalogued():
    missing = [f"{site.where}: {site.code}" for site in SITES if site.code not in CATALOGUE]
    assert missing == []


def test_call_sites_report_the_catalogues_severity():
    wrong = [
        f"{site.where}: {site.code} is {site.severity}, the catalogue says "
        f"{' or '.join(CATALOGUE[site.code].severities)}"
        for site in SITES
        if site.code in CATALOGUE
        and site.severity is not None
        and site.severity not in CATALOGUE[site.code].severities
    ]
    assert wrong == []


def test_every_catalogued_code_is_used_or_says_where_it_is_made():
    used = {site.code for site in SITES}
    unused = [
        entry.code
        for stage in STAGES
        for entry in stage.entries
        if not entry.via and not used.intersection(entry.codes)
    ]
    assert unused == []


def test_a_second_severity_is_explained():
    assert [e.code for s in STAGES for e in s.entries if e.also and not e.note] == []


def test_missing_field_codes_are_the_record_fields():
    schema = json.loads((REPO / "schema" / "article.schema.json").read_text(encoding="utf-8"))
    entry = CATALOGUE["missing-id"]
    assert entry.code == "missing-<field>"
    assert list(entry.fields) == [f["name"] for f in schema["fields"]]


def test_readme_and_docs_are_rendered_from_the_catalogue():
    for path, text in render_findings.rendered().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run python scripts/render_findings.py"
        )
    assert render_findings.main(["--check"]) == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda: Finding("raw/x.txt", None, "no-such-code", "m"),
        lambda: error("raw/x.txt", "no-such-code", "m"),
        lambda: warning("raw/x.txt", "no-such-code", "m", line=3),
        lambda: error("raw/x.txt", "missing-<field>", "m"),  # the template, not a code
        lambda: Report.from_dict(
            {
                "stats": {"files": 1, "articles": 0},
                "findings": [
                    {
                        "file": "raw/x.txt",
                        "line": None,
                        "code": "no-such-code",
                        "message": "m",
                        "severity": "error",
                        "field": None,
                    }
                ],
            }
        ),
    ],
)
def test_a_code_the_catalogue_lacks_is_refused(make):
    with pytest.raises(ValueError, match="not in the catalogue"):
        make()


def test_strict_counts_the_warnings_about_the_corpus_not_those_about_the_run():
    assert [code for code, entry in CATALOGUE.items() if not entry.counts_under_strict] == [
        "damaged-cache-file",
        "cache-not-written",
    ]
    report = Report([warning("/tmp/cache/v1/files.arrow", "damaged-cache-file", "m")])
    assert report.is_valid(strict=True) and report.to_dict(strict=True)["valid"]
    report.extend([warning("datapackage.json", "card-section-missing", "m")])
    assert report.is_valid() and not report.is_valid(strict=True)
    assert [f.code for f in report.strict_warnings] == ["card-section-missing"]


def test_catalogued_codes_are_accepted():
    assert error("raw/x.txt", "missing-published_date", "m").code == "missing-published_date"
    assert warning("raw/x.txt", "near-duplicate", "m").severity == "warning"
    assert Finding("raw/x.txt", None, "near-duplicate", "m", "error").severity == "error"


@pytest.mark.parametrize(
    "text, problem",
    [
        (
            "- {stage: a, title: A, codes: [{code: x-y, severity: fatal, title: t, fix: f}]}",
            "severity",
        ),
        (
            "- {stage: a, title: A, codes: [{code: x_y, severity: error, title: t, fix: f}]}",
            "kebab",
        ),
        ("- {stage: a, title: A, codes: [{code: x-y, severity: error, title: t}]}", "fix"),
        (
            "- {stage: a, title: A, codes: [{code: x-y, severity: error, title: t, fix: f, see: z}]}",
            "no keys",
        ),
        (
            "- {stage: a, title: A, codes: [{code: x-y, severity: error, title: t, fix: f}]}\n"
            "- {stage: b, title: B, codes: [{code: x-y, severity: error, title: t, fix: f}]}",
            "twice",
        ),
        (
            "- {stage: a, title: A, codes: [{code: x-y, severity: error, title: t, fix: f, "
            "scope: cache}]}",
            "scope",
        ),
    ],
)
def test_a_malformed_catalogue_is_refused(tmp_path, text, problem):
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        catalogue.index(catalogue.load(path))
