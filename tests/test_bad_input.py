"""Each kind of bad input gives one clear finding naming the file (and line), exit 1, and no release."""

from __future__ import annotations

import json

import pytest

from contributions import CASES, apply
from contributions import write as _write
from support import invoke


def _findings(output: str) -> list[dict]:
    return json.loads(output)["findings"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_and_no_release_is_written(case, project, runner):
    files, (code, file, line) = CASES[case]
    apply(project, files)
    raw_before = {p: p.read_bytes() for p in (project / "raw").rglob("*") if p.is_file()}

    validated = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert validated.exit_code == 1, validated.output
    errors = [f for f in _findings(validated.output) if f["severity"] == "error"]
    assert (code, file, line) in [(f["code"], f["file"], f["line"]) for f in errors]
    assert all(f["message"] for f in errors)
    if code != "case-clash":  # reported on both files of the clash
        assert len(errors) == 1, errors

    built = invoke(runner, "build", "--project", str(project))
    assert built.exit_code == 1
    assert f"[{code}]" in built.output
    assert "Error: no release written" in built.output
    assert not (project / "dist").exists()
    assert {p: p.read_bytes() for p in (project / "raw").rglob("*") if p.is_file()} == raw_before


def test_symlink_is_not_followed(project, runner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Title\n\nOutside the repository.\n", encoding="utf-8")
    (project / "raw/rt/link.txt").symlink_to(secret)
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    assert [(f["code"], f["file"]) for f in _findings(result.output)] == [
        ("symlink", "raw/rt/link.txt")
    ]
    assert "Outside the repository" not in result.output


def test_file_over_the_size_limit(project, runner):
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"]["max_file_bytes"] = 3000
    (project / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    assert {f["code"] for f in _findings(result.output)} == {"file-too-large"}
    # Only the four captures over 3,000 bytes are refused.
    assert sorted(f["file"] for f in _findings(result.output)) == [
        "raw/global-times/003_eee14f7ce2fa8480.txt",
        "raw/sputnik/000_b815a870e73c6b09.txt",
        "raw/sputnik/001_dc70cf76e71f894f.txt",
        "raw/tass/002_7aabf56efc3e79f2.txt",
    ]


def test_missing_required_field_from_an_outlet_without_a_profile(project, runner):
    schema_path = project / "schema/article.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    outlet = next(f for f in schema["fields"] if f["name"] == "outlet")
    outlet["constraints"]["enum"].append("Xinhua")
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    _write(project, "raw/other/xinhua-1.txt", b"Headline\n\nBody text.\n")
    _write(
        project,
        "raw/other/xinhua-1.meta.yaml",
        b"outlet:\n  value: Xinhua\n  note: from the page\n"
        b"title:\n  value: Headline\n  note: n\npublished:\n  value: 2022-01-01\n  note: n\n",
    )
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    found = {(f["code"], f["severity"], f["file"], f["field"]) for f in _findings(result.output)}
    assert found == {
        ("outlet-without-profile", "warning", "raw/other/xinhua-1.meta.yaml", "outlet"),
        ("missing-language", "error", "raw/other/xinhua-1.txt", "language"),
    }


def test_duplicate_id_names_both_captures(project, runner):
    _write(project, "raw/rt/copy.txt", (project / "raw/rt/004_f2e18ad958418c56.txt").read_bytes())
    pinned = "d5986e6e2684174e"  # the id of raw/rt/004_f2e18ad958418c56.txt
    _write(project, "raw/rt/copy.meta.yaml", f"id:\n  value: '{pinned}'\n  note: n\n".encode())
    result = invoke(runner, "validate", "--project", str(project), "--format", "json")
    assert result.exit_code == 1
    findings = _findings(result.output)
    assert [(f["code"], f["file"]) for f in findings] == [
        ("duplicate-id", "raw/rt/copy.meta.yaml"),
        ("duplicate-text", "raw/rt/copy.txt"),
    ]
    assert all("raw/rt/004_f2e18ad958418c56.txt" in f["message"] for f in findings)


def test_case_clashes_are_found_by_path_hash_and_confirmed_on_the_paths(project, monkeypatch):
    from corpuspack.capture import ingest

    (project / "raw/rt/Notes.TXT").write_text("x", encoding="utf-8")
    (project / "raw/rt/notes.txt").write_text("x", encoding="utf-8")
    real = ingest.scan(project / "raw", project)
    # Every path hashing alike: only the real clash is reported, nothing else is taken for one.
    monkeypatch.setattr(ingest.xxhash, "xxh3_64_intdigest", lambda data: 7)
    collided = ingest.scan(project / "raw", project)
    for scan in (real, collided):
        clashes = sorted((f.file, f.message) for f in scan.findings if f.code == "case-clash")
        assert [file for file, _ in clashes] == ["raw/rt/Notes.TXT", "raw/rt/notes.txt"], clashes
        assert "differs from raw/rt/notes.txt only in letter case" in clashes[0][1]
    assert [c.shown for c in collided.captures] == [c.shown for c in real.captures]

    # A capture keeps its project-relative path; its file's, its sidecar's and its outlet are made from it.
    tass = next(c for c in real.captures if c.shown == "raw/tass/002_7aabf56efc3e79f2.txt")
    assert (tass.path, tass.sidecar, tass.sidecar_shown, tass.outlet_dir) == (
        f"{project}/raw/tass/002_7aabf56efc3e79f2.txt",
        f"{project}/raw/tass/002_7aabf56efc3e79f2.meta.yaml",
        "raw/tass/002_7aabf56efc3e79f2.meta.yaml",
        "tass",
    )
    assert [shown for _, shown in tass.annotations] == ["raw/tass/002_7aabf56efc3e79f2.ann"]
    rt = next(c for c in real.captures if c.shown == "raw/rt/004_f2e18ad958418c56.txt")
    assert (rt.sidecar, rt.sidecar_shown, rt.related) == (None, None, {rt.shown})
