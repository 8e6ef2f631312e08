"""Each kind of bad input gives one clear finding naming the file (and line), exit 1, and no release."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import invoke

TASS = "raw/tass/002_7aabf56efc3e79f2"


def _findings(output: str) -> list[dict]:
    return json.loads(output)["findings"]


def _write(project: Path, relative: str, data: bytes) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


CASES = {
    "empty-file": ("raw/rt/empty.txt", b"", "empty-file", None),
    "binary-file": ("raw/rt/blob.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary-file", None),
    "nul-bytes": ("raw/rt/nul.txt", b"Title\n\nBody one.\nBody\x00two.\n", "binary-file", 4),
    "latin-1": ("raw/rt/latin1.txt", "Title\n\n8 mar 2022 09:01 am\n\nCaf\u00e9 society.\n".encode("latin-1"),
                "invalid-utf8", 5),
    "utf-16": ("raw/rt/utf16.txt", "Title\n\nBody.\n".encode("utf-16"), "invalid-utf8", None),
    "sidecar-invalid-yaml": (f"{TASS}.meta.yaml", b"published:\n  value: [2023\n  note: x\n", "sidecar-invalid-yaml", 3),
    "sidecar-unknown-field": (f"{TASS}.meta.yaml", b"published:\n  value: 2023-09-18\n  note: n\nauthor:\n"
                              b"  value: someone\n  note: n\n", "sidecar-unknown-field", 4),
    "sidecar-missing-note": (f"{TASS}.meta.yaml", b"published:\n  value: 2023-09-18\n", "sidecar-invalid-value", 1),
    "sidecar-wrong-type": (f"{TASS}.meta.yaml", b"keywords:\n  value: security\n  note: n\n",
                           "sidecar-invalid-value", 2),
    "sidecar-python-tag": (f"{TASS}.meta.yaml", b"published: !!python/object/apply:os.system ['echo pwned']\n",
                           "sidecar-invalid-yaml", 1),
    "sidecar-alias-bomb": (f"{TASS}.meta.yaml", b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
                           "sidecar-invalid-yaml", 2),
    "unparseable-date": ("raw/sputnik/bad-date.txt", "13:49 GMT31 Februar 2021\nListen Live\n\n"
                         "    Body text.\n".encode(), "unparseable-date", 1),
    "unknown-outlet-folder": ("raw/xinhua/001.txt", b"Title\n\nBody text.\n", "unknown-outlet", None),
    "unknown-outlet-sidecar": ("raw/rt/004_f2e18ad958418c56.meta.yaml",
                               b"outlet:\n  value: Daily Planet\n  note: n\n", "unknown-outlet", 1),
    "no-body-text": ("raw/rt/furniture-only.txt", b"Title\n\nSource link\n\nComments are closed.\n",
                     "no-body-text", None),
    "orphan-sidecar": ("raw/rt/missing.meta.yaml", b"title:\n  value: T\n  note: n\n", "orphan-sidecar", None),
    "published-mismatch": (f"{TASS}.meta.yaml", b"published:\n  value: 2023-09-19\n  note: n\n",
                           "published-mismatch", 1),
    "date-before-outlet": ("raw/global-times/003_eee14f7ce2fa8480.meta.yaml",
                           b"published:\n  value: 1980-01-01\n  note: n\n", "date-before-outlet", 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_and_no_release_is_written(case, project, runner):
    relative, data, code, line = CASES[case]
    _write(project, relative, data)
    raw_before = {p: p.read_bytes() for p in (project / "raw").rglob("*") if p.is_file()}

    validated = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert validated.exit_code == 1, validated.output
    errors = [f for f in _findings(validated.output) if f["severity"] == "error"]
    assert [(f["code"], f["file"]) for f in errors] == [(code, relative)]
    assert errors[0]["line"] == line
    assert errors[0]["message"]

    built = invoke(runner, "build", "--project", str(project))
    assert built.exit_code == 1
    assert f"[{code}]" in built.output and relative in built.output
    assert "Error: no release written" in built.output
    assert not (project / "dist").exists()
    assert {p: p.read_bytes() for p in (project / "raw").rglob("*") if p.is_file()} == raw_before


def test_symlink_is_not_followed(project, runner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Title\n\nOutside the repository.\n", encoding="utf-8")
    (project / "raw/rt/link.txt").symlink_to(secret)
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    assert [(f["code"], f["file"]) for f in _findings(result.output)] == [("symlink", "raw/rt/link.txt")]
    assert "Outside the repository" not in result.output


def test_file_over_the_size_limit(project, runner):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["max_file_bytes"] = 3000
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    assert {f["code"] for f in _findings(result.output)} == {"file-too-large"}
    # Only the three captures over 3,000 bytes are refused.
    assert len(_findings(result.output)) == 4


def test_missing_required_field_from_an_outlet_without_a_profile(project, runner):
    schema_path = project / "schema/article.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    outlet = next(f for f in schema["fields"] if f["name"] == "outlet")
    outlet["constraints"]["enum"].append("Xinhua")
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    _write(project, "raw/other/xinhua-1.txt", b"Headline\n\nBody text.\n")
    _write(project, "raw/other/xinhua-1.meta.yaml", b"outlet:\n  value: Xinhua\n  note: from the page\n"
           b"title:\n  value: Headline\n  note: n\npublished:\n  value: 2022-01-01\n  note: n\n")
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    found = {(f["code"], f["severity"], f["file"], f["field"]) for f in _findings(result.output)}
    assert found == {("outlet-without-profile", "warning", "raw/other/xinhua-1.meta.yaml", "outlet"),
                     ("missing-language", "error", "raw/other/xinhua-1.txt", "language")}


def test_duplicate_id_names_both_captures(project, runner):
    _write(project, "raw/rt/copy.txt", (project / "raw/rt/004_f2e18ad958418c56.txt").read_bytes())
    pinned = "d5986e6e2684174e"  # the id of raw/rt/004_f2e18ad958418c56.txt
    _write(project, "raw/rt/copy.meta.yaml", f"id:\n  value: '{pinned}'\n  note: n\n".encode())
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    findings = _findings(result.output)
    assert [(f["code"], f["file"]) for f in findings] == [("duplicate-id", "raw/rt/copy.meta.yaml"),
                                                          ("duplicate-text", "raw/rt/copy.txt")]
    assert all("raw/rt/004_f2e18ad958418c56.txt" in f["message"] for f in findings)
