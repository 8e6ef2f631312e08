"""The build spills records to disk and reads them back a shard, a column or a few rows at a time:
the release and every finding are the same whatever the batch, spill and bucket sizes."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from corpuspack.build import pipeline, splits, store
from corpuspack.build.tables import QUOTE_FIELDS
from corpuspack.checks import minhash
from corpuspack.project import datapackage as project_mod
from corpuspack.project.schema import RecordSchema
from corpuspack.release import writer
from support import REPO
from synthetic import NEAR, build


def test_the_corpus_problems_are_found(reference):
    findings, built = reference
    codes = {(file, code) for file, _, code, _, _ in findings}
    assert ("raw/rt/zz-exact-copy.txt", "duplicate-text") in codes
    assert ("raw/rt/zz-trimmed-copy.txt", "near-duplicate") in codes
    # The later path is reported, on the sidecar that gave its url.
    assert ("raw/rt/zz-trimmed-copy.meta.yaml", "duplicate-url") in codes
    assert ("raw/rt/0000019.meta.yaml", "duplicate-id") in codes
    near = [m for file, _, code, _, m in findings if code == "near-duplicate"]
    assert any(f"near-duplicate of raw/{NEAR}" in m for m in near)
    assert sorted(name for name in built if name.startswith("data/")) == [
        "data/test-00000-of-00001.parquet",
        *(f"data/train-{i:05d}-of-00003.parquet" for i in range(3)),
    ]


@pytest.mark.parametrize("batch, flush, buckets", [(1, 1, 1), (7, 13, 3), (50, 10_000, 256)])
def test_batch_spill_and_bucket_sizes_change_nothing(
    corpus_root, reference, tmp_path, monkeypatch, batch, flush, buckets
):
    monkeypatch.setattr(pipeline, "BATCH", batch)
    monkeypatch.setattr(store, "FLUSH_ROWS", flush)
    monkeypatch.setattr(store, "BUCKETS", buckets)
    assert build(corpus_root, tmp_path / "release") == reference


def test_a_shard_holds_exactly_its_rows_sorted_by_id(corpus_root):
    result = pipeline.run(project_mod.load(corpus_root))
    try:
        seen = []
        for split, count in (("train", 3), ("test", 1), ("train", 7)):
            for index in range(count):
                ids = result.store.shard(split, index, count).column("id").to_pylist()
                assert ids == sorted(ids)
                assert all(
                    splits.shard(i, count) == index
                    and splits.assign(i, {"train": 0.8, "test": 0.2}) == split
                    for i in ids
                )
                seen += [(count, i) for i in ids]
        everything = [a.id for a in result.articles]
        assert len(everything) > 100
        assert sorted(i for c, i in seen if c in (3, 1)) == sorted(everything)  # each row once
        assert sorted(i for c, i in seen if c == 7) == sorted(i for c, i in seen if c == 3)
    finally:
        result.store.cleanup()
    assert not result.store.folder.exists()


def test_records_come_back_exactly(corpus_root):
    project = project_mod.load(corpus_root)
    result = pipeline.run(project)
    try:
        rebuilt = {a.raw_path: a for a in result.articles}
    finally:
        result.store.cleanup()
    from corpuspack.article import profiles
    from corpuspack.capture import ingest

    scan = ingest.scan(project.raw_dir, project.root)
    registry, vocabulary = profiles.registry(), project.load_vocabulary()
    outlets = RecordSchema(project.load_schema()).enum("outlet")
    for capture, inputs, _ in list(ingest.inputs(scan, project.settings.max_file_bytes))[:30]:
        original = pipeline.process(capture, inputs, registry, outlets, vocabulary).article
        again = rebuilt[original.raw_path]
        assert again == original
        assert again.published == original.published  # the offset, not only the instant
        assert (again.sidecar_path, again.sidecar_lines, again.page_lines) == (
            original.sidecar_path,
            original.sidecar_lines,
            original.page_lines,
        )


def test_the_cards_sizes_do_not_depend_on_how_rows_were_gathered(tmp_path):
    schema = RecordSchema(
        json.loads((REPO / "schema/quotes.schema.json").read_text(encoding="utf-8")),
        expected=QUOTE_FIELDS,
    )
    rows = [
        {
            "article_id": f"{i:016x}",
            "speaker": None if i % 3 else "A",
            "speaker_as_written": "a",
            "quote": "q" * i,
            "start": i,
            "end": i + 1,
            "outlet": "RT",
            "published": None,
            "published_date": None,
            "source": "rule",
        }
        for i in range(10)
    ]
    built = pa.Table.from_pylist(rows, schema=schema.arrow)
    gathered = pa.concat_tables([built.slice(5), built.slice(0, 5)]).take(
        pa.array([5, 6, 7, 8, 9, 0, 1, 2, 3, 4])
    )
    gathered = pa.Table.from_arrays(gathered.combine_chunks().columns, schema=schema.arrow)
    assert gathered.equals(built)
    assert writer.write_table(gathered, schema, tmp_path / "a.parquet") == built.nbytes
    assert writer.write_table(built, schema, tmp_path / "b.parquet") == built.nbytes
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def spill_folders(root) -> list:
    return [p.name for p in root.iterdir() if p.name.startswith("corpuspack-spill-")]


def test_the_spill_goes_when_the_command_ends(project, runner, tmp_path, monkeypatch):
    import tempfile

    from support import invoke

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    for command in (["build", "--out", str(tmp_path / "out")], ["validate"]):
        result = invoke(runner, *command, "--project", str(project))
        assert result.exit_code == 0, result.output
        assert spill_folders(scratch) == []
    (project / "raw/rt").joinpath("broken.txt").write_text(
        "", encoding="utf-8"
    )  # an error: nothing released
    result = invoke(runner, "build", "--project", str(project), "--out", str(tmp_path / "again"))
    assert result.exit_code != 0 and spill_folders(scratch) == []


def test_no_room_for_the_spill_is_a_clear_error(project, runner, tmp_path, monkeypatch):
    import tempfile

    from support import invoke

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    result = invoke(runner, "build", "--project", str(project), "--out", str(tmp_path / "out"))
    assert result.exit_code != 0
    assert "spill files" in result.output and "TMPDIR" in result.output
    assert not (tmp_path / "out").exists()


def test_a_record_arrow_cannot_hold_is_an_error_not_a_quiet_gap(project, monkeypatch):
    from corpuspack.article.record import Article

    plain = Article.to_row

    def odd(self):
        row = plain(self)
        if self.raw_path.startswith("raw/rt/"):
            row["title"] = 12345  # what no extraction makes: a type Arrow refuses
        return row

    monkeypatch.setattr(Article, "to_row", odd)
    result = pipeline.run(project_mod.load(project))
    try:
        codes = {(f.file.split("/")[1], f.code) for f in result.report.findings}
        assert ("rt", "unrepresentable-record") in codes
        assert not result.report.valid
        assert result.count == 4 and all(
            not a.raw_path.startswith("raw/rt/") for a in result.articles
        )
    finally:
        result.store.cleanup()


def test_an_unknown_number_of_captures_still_starts_the_workers():
    from corpuspack.build import engines

    assert engines.Local(list, jobs=4, total=None).parallel
    assert not engines.Local(list, jobs=4, total=100).parallel
    assert engines.Local(list, jobs=8, total=None).batch(pipeline.BATCH) >= 8 * 128
    assert engines.Local(list, jobs=1, total=None).batch(pipeline.BATCH) == pipeline.BATCH


def test_shingle_hashes_stand_for_the_shingles_and_the_signature_estimates_their_similarity():
    rng = np.random.default_rng(3)
    vocabulary = [f"w{i}" for i in range(400)] + ["Zoë", "ĲSSEL", "Straße"]
    words = [vocabulary[i] for i in rng.integers(0, len(vocabulary), 3000)]
    text = " ".join(words)
    # One hash per distinct shingle: equal shingles hash equal, different ones apart.
    assert len(set(minhash.shingle_hashes(text).tolist())) == len(minhash.shingles(text)) > 2000
    repeated = minhash.shingle_hashes(
        "a b c d e a b c d e"
    )  # "a b c d e" twice, then 4 others once
    assert (
        len(repeated) == 6 and repeated[0] == repeated[5] == minhash.shingle_hashes("a b c d e")[0]
    )
    assert len(set(repeated.tolist())) == len(minhash.shingles("a b c d e a b c d e")) == 5
    assert (
        minhash.shingle_hashes("a b c d e").tolist() != minhash.shingle_hashes("b a c d e").tolist()
    )
    assert len(minhash.shingle_hashes("two words")) == 1 and len(minhash.shingle_hashes("")) == 0
    for kept in (0.9, 0.6, 0.3):
        other = " ".join(words[: int(len(words) * kept)] + [f"x{i}" for i in range(300)])
        _, jaccard = minhash.similarity(minhash.shingles(text), minhash.shingles(other))
        a, b = np.array(minhash.signature(text)), np.array(minhash.signature(other))
        estimate = float((a == b).mean())
        assert abs(estimate - jaccard) < 0.15, (kept, estimate, jaccard)
