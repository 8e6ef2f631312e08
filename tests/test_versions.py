"""Releases people can cite: the release command's bump policy, CHANGELOG, immutable versions,
stable splits, side-by-side loading, manifests and verify --rebuild, in real git repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import datasets
import pytest
import yaml

from contributions import NEW_RT, write
from corpuspack.release import versioning
from corpuspack.release.diff import ReleaseDiff
from support import invoke, set_version

TASS = "raw/tass/002_7aabf56efc3e79f2.txt"
# Shares that give each split at least one seed (split positions: 0.07, 0.10 | 0.49 | 0.90, 0.94).
SPLITS = {"train": 0.2, "validation": 0.6, "test": 0.2}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def settings(project: Path, **values) -> None:
    descriptor = json.loads((project / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["corpuspack"].update(values)
    (project / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


@pytest.fixture
def repo(project: Path, monkeypatch) -> Path:
    """The corpus at 1.0.0 with three splits, committed in a fresh git repository."""
    for key, value in {
        "GIT_AUTHOR_NAME": "Maintainer",
        "GIT_AUTHOR_EMAIL": "m@example.org",
        "GIT_COMMITTER_NAME": "Maintainer",
        "GIT_COMMITTER_EMAIL": "m@example.org",
    }.items():
        monkeypatch.setenv(key, value)
    set_version(project, "1.0.0")
    settings(project, splits=SPLITS)
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "Corpus")
    return project


def release(runner, repo: Path, *args: str):
    return invoke(runner, "release", "--project", str(repo), "--date", "2026-11-23", *args)


def add_and_fix(repo: Path) -> None:
    write(repo, "raw/rt/new.txt", NEW_RT)
    capture = repo / TASS
    capture.write_bytes(capture.read_bytes().replace(b"cardinal changes", b"fundamental changes"))
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Add an RT article; fix a typo in TASS")


def test_a_second_release_adds_an_article_and_fixes_a_typo(repo, runner):
    first = release(runner, repo)
    assert first.exit_code == 0, first.output
    assert "release 1.0.0 (first release):" in first.output
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Add release 1.0.0")
    old = files(repo / "dist/1.0.0")
    old_splits = {
        row["id"]: split
        for split in ("train", "validation", "test")
        for row in datasets.load_dataset(str(repo / "dist/1.0.0"), split=split)
    }
    assert set(old_splits.values()) == {
        "train",
        "validation",
        "test",
    }  # the shares put an article in each

    add_and_fix(repo)
    dry = release(runner, repo, "--dry-run")
    assert dry.exit_code == 0 and "would release 1.1.0 (minor, after 1.0.0)" in dry.output
    assert json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))["version"] == "1.0.0"

    second = release(runner, repo)
    assert second.exit_code == 0, second.output
    # The policy: an added article is minor, a corrected one patch: minor wins.
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    assert (descriptor["version"], descriptor["created"]) == ("1.1.0", "2026-11-23T00:00:00Z")
    assert git(repo, "log", "-1", "--format=%s").strip() == "Release 1.1.0"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        "CHANGELOG.md",
        "datapackage.json",
    ]
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 1.1.0 - 2026-11-23") < changelog.index("## 1.0.0 - 2026-11-23")
    assert "Minor release after 1.0.0: 1 article(s) added; 1 article(s) corrected." in changelog
    assert "raw/rt/new.txt" in changelog and f"{TASS}: annotations, raw_sha256, text" in changelog

    report = json.loads(
        invoke(runner, "diff", "--project", str(repo), "1.0.0", "1.1.0", "--format", "json").output
    )
    assert [a["raw_path"] for a in report["articles"]["added"]] == ["raw/rt/new.txt"]
    assert [(c["raw_path"], c["fields"]) for c in report["articles"]["changed"]] == [
        (TASS, ["annotations", "raw_sha256", "text"])
    ]
    assert report["articles"]["removed"] == [] and report["splits"] == {"moved": []}
    assert report["schema"] == {"added": [], "removed": [], "changed": []}

    # Both releases load side by side, each with its own rows; no article changed split.
    new_rows = {
        split: datasets.load_dataset(str(repo / "dist/1.1.0"), split=split)
        for split in ("train", "validation", "test")
    }
    new_splits = {row["id"]: split for split, rows in new_rows.items() for row in rows}
    assert {i: new_splits[i] for i in old_splits} == old_splits
    assert len(new_splits) == len(old_splits) + 1
    texts = {1: {}, 2: {}}
    for version, index in (("1.0.0", 1), ("1.1.0", 2)):
        for split in ("train", "validation", "test"):
            for row in datasets.load_dataset(str(repo / "dist" / version), split=split):
                texts[index][row["raw_path"]] = row["text"]
    assert "cardinal changes" in texts[1][TASS] and "fundamental changes" in texts[2][TASS]
    assert "raw/rt/new.txt" not in texts[1] and "raw/rt/new.txt" in texts[2]
    card = yaml.safe_load(
        (repo / "dist/1.1.0/README.md").read_text(encoding="utf-8").split("---\n")[1]
    )
    articles = next(c for c in card["dataset_info"] if c["config_name"] == "articles")
    assert {s["name"]: s["num_examples"] for s in articles["splits"]} == {
        split: rows.num_rows for split, rows in new_rows.items()
    }

    assert files(repo / "dist/1.0.0") == old  # the old release is untouched
    verified = invoke(runner, "verify", "--project", str(repo), "1.1.0", "--rebuild")
    assert verified.exit_code == 0, verified.output


def test_nothing_to_release_and_a_bump_that_understates_the_change(repo, runner):
    assert release(runner, repo).exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Add release 1.0.0")
    again = release(runner, repo)
    assert again.exit_code == 1 and "nothing changed since release 1.0.0" in again.output
    for path in (repo / "raw/tass").glob(
        "002_7aabf56efc3e79f2.*"
    ):  # the capture, its sidecar and annotations
        path.unlink()
    git(repo, "commit", "--quiet", "-am", "Remove the TASS article")
    understated = release(runner, repo, "--bump", "minor")
    assert understated.exit_code == 1
    assert "calls for a major release (1 article(s) removed)" in understated.output
    assert json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))["version"] == "1.0.0"
    assert sorted(p.name for p in (repo / "dist").iterdir()) == ["1.0.0"]
    assert release(runner, repo).exit_code == 0
    assert (repo / "dist/2.0.0").is_dir()


def test_the_same_rows_written_with_another_compression_are_a_patch_that_says_so(
    repo, runner, monkeypatch
):
    from corpuspack.release import writer

    assert release(runner, repo).exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Add release 1.0.0")
    monkeypatch.setitem(writer.PARQUET_OPTIONS, "compression_level", 9)
    planned = release(runner, repo, "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert "would release 1.0.1 (patch, after 1.0.0)" in planned.output
    assert (
        "the same rows encoded anew (" in planned.output
        and "Parquet file(s) differ in their bytes" in planned.output
    )
    assert "other files differ: " in planned.output and "datapackage.json" in planned.output


def test_release_refuses_uncommitted_inputs_and_changes_nothing(repo, runner):
    assert release(runner, repo).exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Add release 1.0.0")
    write(repo, "raw/rt/new.txt", NEW_RT)
    before = (repo / "datapackage.json").read_bytes()
    result = release(runner, repo)
    assert (
        result.exit_code == 1
        and "commit or stash the changes to raw/rt/new.txt first" in result.output
    )
    assert (repo / "datapackage.json").read_bytes() == before
    assert not (repo / "dist/1.1.0").exists()
    loose = release(runner, repo, "--no-commit")
    assert loose.exit_code == 0, loose.output
    manifest = json.loads((repo / "dist/1.1.0/manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"]["uncommitted"] == ["datapackage.json", "raw/rt/new.txt"]
    rebuilt = invoke(runner, "verify", "--project", str(repo), "1.1.0", "--rebuild")
    assert rebuilt.exit_code == 1 and "built-from-uncommitted" in rebuilt.output


def test_building_a_changed_corpus_into_an_existing_version_names_the_bump(repo, runner):
    assert invoke(runner, "build", "--project", str(repo)).exit_code == 0
    before = files(repo / "dist/1.0.0")
    for path in (repo / "raw/tass").glob("002_7aabf56efc3e79f2.*"):
        path.unlink()
    result = invoke(runner, "build", "--project", str(repo))
    assert result.exit_code == 1
    assert "bump to 2.0.0 (major: 1 article(s) removed) with `corpuspack release`" in result.output
    assert files(repo / "dist/1.0.0") == before


def test_verify_names_a_changed_byte_and_a_rebuild_that_differs(repo, runner):
    assert invoke(runner, "build", "--project", str(repo)).exit_code == 0
    release_dir = repo / "dist/1.0.0"
    fresh = invoke(runner, "verify", "--project", str(repo), "1.0.0", "--rebuild")
    assert fresh.exit_code == 0 and "rebuilt byte for byte" in fresh.output
    assert git(repo, "worktree", "list").count("\n") == 1  # the temporary worktree is gone

    parquet = release_dir / "data/train-00000-of-00001.parquet"
    data = bytearray(parquet.read_bytes())
    data[len(data) // 2] ^= 0x01
    parquet.write_bytes(bytes(data))
    broken = invoke(
        runner, "verify", "--project", str(repo), "1.0.0", "--rebuild", "--format", "json"
    )
    assert broken.exit_code == 1
    found = {(f["file"], f["code"]) for f in json.loads(broken.output)["findings"]}
    assert ("data/train-00000-of-00001.parquet", "checksum-mismatch") in found
    assert ("data/train-00000-of-00001.parquet", "rebuild-differs") in found

    # A forger who also rewrites the manifest passes the checksums but not the rebuild.
    from corpuspack.release import manifest

    manifest_path = release_dir / manifest.NAME
    recorded = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in recorded["files"]:
        if entry["path"] == "data/train-00000-of-00001.parquet":
            entry["sha256"] = manifest.sha256_file(parquet)
    manifest_path.write_text(json.dumps(recorded, indent=2) + "\n", encoding="utf-8")
    forged = invoke(
        runner, "verify", "--project", str(repo), "1.0.0", "--rebuild", "--format", "json"
    )
    codes = [(f["file"], f["code"]) for f in json.loads(forged.output)["findings"]]
    assert forged.exit_code == 1
    assert ("data/train-00000-of-00001.parquet", "rebuild-differs") in codes
    assert ("manifest.json", "rebuild-differs") in codes


def test_verify_without_rebuild_checks_files_rows_and_schema(repo, runner, tmp_path):
    out = tmp_path / "1.0.0"
    assert invoke(runner, "build", "--project", str(repo), "--out", str(out)).exit_code == 0
    assert invoke(runner, "verify", str(out)).exit_code == 0
    (out / "extra.txt").write_text("smuggled", encoding="utf-8")
    (out / "CITATION.cff").unlink()
    result = invoke(runner, "verify", str(out), "--format", "json")
    found = {(f["file"], f["code"]) for f in json.loads(result.output)["findings"]}
    assert result.exit_code == 1
    assert found == {("extra.txt", "unexpected-file"), ("CITATION.cff", "missing-file")}


def test_verify_revalidates_rows_against_their_table_schema(repo, runner, tmp_path):
    """Rows that break the Table Schema are found even when the checksums were recomputed to match."""
    import pyarrow.parquet as pq

    from corpuspack.release import manifest

    out = tmp_path / "1.0.0"
    invoke(runner, "build", "--project", str(repo), "--out", str(out))
    path = out / "data/train-00000-of-00001.parquet"
    table = pq.read_table(path)
    outlets = table.column("outlet").to_pylist()
    outlets[0] = "Pravda"
    table = table.set_column(
        table.schema.get_field_index("outlet"), "outlet", __import__("pyarrow").array(outlets)
    )
    pq.write_table(table, path)
    recorded = json.loads((out / manifest.NAME).read_text(encoding="utf-8"))
    for entry in recorded["files"]:
        if entry["path"] == "data/train-00000-of-00001.parquet":
            entry["sha256"], entry["bytes"] = manifest.sha256_file(path), path.stat().st_size
    (out / manifest.NAME).write_text(json.dumps(recorded), encoding="utf-8")
    result = invoke(runner, "verify", str(out), "--format", "json")
    findings = json.loads(result.output)["findings"]
    assert result.exit_code == 1
    assert [(f["file"], f["code"], f["field"]) for f in findings] == [
        ("data/train-00000-of-00001.parquet", "constraint-error", "outlet")
    ]


def test_the_manifest_records_files_rows_and_sources(repo, runner):
    assert invoke(runner, "build", "--project", str(repo)).exit_code == 0
    release_dir = repo / "dist/1.0.0"
    recorded = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))
    from corpuspack.release.manifest import sha256_file, tree_sha256

    assert {f["path"] for f in recorded["files"]} == set(files(release_dir)) - {"manifest.json"}
    assert all(f["sha256"] == sha256_file(release_dir / f["path"]) for f in recorded["files"])
    assert recorded["source"]["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert recorded["source"]["raw_sha256"] == tree_sha256(repo / "raw")
    assert sum(recorded["rows"]["articles"].values()) == 5
    assert sum(recorded["rows"]["quotes"].values()) == 22
    assert recorded["dependencies"]["pyarrow"] == __import__("pyarrow").__version__
    # Built again at a later commit from the same inputs: the same release, not a different one.
    (repo / "notes.txt").write_text("unrelated", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Unrelated")
    again = invoke(runner, "build", "--project", str(repo))
    assert again.exit_code == 0 and "up to date" in again.output


def test_empty_card_sections_warn_and_fail_with_strict(project, runner, tmp_path):
    settings(project, card={"curation_rationale": "Why.", "intended_uses": "  "})
    result = invoke(runner, "build", "--project", str(project), "--out", str(tmp_path / "a"))
    assert result.exit_code == 0
    assert (
        "[card-section-missing]" in result.output
        and "corpuspack.card.intended_uses" in result.output
    )
    strict = invoke(
        runner, "build", "--project", str(project), "--out", str(tmp_path / "b"), "--strict"
    )
    assert strict.exit_code == 1 and not (tmp_path / "b").exists()
    settings(
        project,
        card={
            key: f"Text for {key}."
            for key in (
                "curation_rationale",
                "intended_uses",
                "out_of_scope_uses",
                "biases_and_limitations",
                "personal_information",
                "source_licensing",
            )
        },
    )
    complete = invoke(
        runner, "build", "--project", str(project), "--out", str(tmp_path / "c"), "--strict"
    )
    assert complete.exit_code == 0, complete.output
    card = (tmp_path / "c/README.md").read_text(encoding="utf-8")
    assert "## Licensing of the source texts\n\nText for source_licensing." in card


def test_citation_cff(repo, runner):
    assert release(runner, repo).exit_code == 0
    citation = yaml.safe_load((repo / "dist/1.0.0/CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "dataset"
    assert (citation["version"], citation["date-released"]) == (
        "1.0.0",
        __import__("datetime").date(2026, 11, 23),
    )
    assert citation["authors"] == [{"name": "corpuspack maintainers"}]
    assert citation["title"].startswith("China–Russia Security Cooperation")
    assert "license" not in citation  # "other" has no SPDX id


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (ReleaseDiff("1.0.0", "x", removed=[{"id": "a", "raw_path": "r"}]), "major"),
        (
            ReleaseDiff("1.0.0", "x", split_moves=[{"id": "a", "from": "train", "to": "test"}]),
            "major",
        ),
        (ReleaseDiff("1.0.0", "x", schema_removed=["lead"]), "major"),
        (
            ReleaseDiff(
                "1.0.0",
                "x",
                schema_changed=["lead"],
                old_fields={"lead": {"type": "string"}},
                new_fields={"lead": {"type": "integer"}},
            ),
            "major",
        ),
        (ReleaseDiff("1.0.0", "x", schema_added=["section"]), "minor"),
        (ReleaseDiff("1.0.0", "x", added=[{"id": "a", "raw_path": "r"}]), "minor"),
        (ReleaseDiff("1.0.0", "x", changed=[object()]), "patch"),
        (
            ReleaseDiff(
                "1.0.0",
                "x",
                schema_changed=["lead"],
                old_fields={"lead": {"type": "string", "description": "a"}},
                new_fields={"lead": {"type": "string", "description": "b"}},
            ),
            "patch",
        ),
        (ReleaseDiff("1.0.0", "x"), None),
    ],
)
def test_the_written_policy(change, expected):
    assert versioning.required(change)[0] == expected


def test_bump_and_changelog_keep_what_was_there():
    assert [versioning.bump("1.4.2", p) for p in versioning.PARTS] == ["2.0.0", "1.5.0", "1.4.3"]
    existing = "# Changelog\n\nOur notes.\n\n## 1.0.0 - 2026-01-01\n\nFirst release.\n"
    updated = versioning.add_to_changelog(existing, "## 1.1.0 - 2026-02-01\n\nMore.\n")
    assert (
        updated
        == "# Changelog\n\nOur notes.\n\n## 1.1.0 - 2026-02-01\n\nMore.\n\n## 1.0.0 - 2026-01-01\n\nFirst release.\n"
    )


def test_publish_dry_run_lists_the_files_and_the_tag(repo, runner):
    assert invoke(runner, "build", "--project", str(repo)).exit_code == 0
    result = invoke(
        runner, "publish", "--project", str(repo), "1.0.0", "--repo-id", "my-lab/crsn", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    for name in files(repo / "dist/1.0.0"):
        assert name in result.output
    assert (
        "Tag: v1.0.0" in result.output
        and "https://huggingface.co/datasets/my-lab/crsn" in result.output
    )
    assert "Dry run: nothing was uploaded." in result.output
    (repo / "dist/1.0.0/README.md").write_text("edited", encoding="utf-8")
    tampered = invoke(
        runner, "publish", "--project", str(repo), "1.0.0", "--repo-id", "my-lab/crsn", "--dry-run"
    )
    assert (
        tampered.exit_code == 1
        and "does not match its manifest: nothing was uploaded" in tampered.output
    )
