"""Workers give their batch back as Arrow in the cache's entry layout, crossing once as IPC."""

from __future__ import annotations

import pickle

import pyarrow as pa

from corpuspack.article.custom import CustomFields
from corpuspack.build import computed, pipeline
from corpuspack.build.captures import Process
from corpuspack.build.extensions import BUILTIN
from corpuspack.cache import Entry, entry_schema, findings_of
from corpuspack.capture import ingest
from corpuspack.project import datapackage as project_mod


def _task_and_work(project):
    loaded = project_mod.load(project)
    schema, _, vocabulary = pipeline._schemas(loaded, BUILTIN)
    process = Process(
        tuple(schema.enum("outlet")),
        vocabulary,
        BUILTIN.annotators,
        BUILTIN.profiles,
        CustomFields(schema.custom, ()),
    )
    scan = ingest.scan(loaded.raw_dir, loaded.root)
    work = []
    for capture in scan.captures:
        inputs, problems = ingest.read(capture, loaded.settings.max_file_bytes)
        assert not problems
        work.append((capture, inputs))
    return computed.ArrowTask(process, schema.plain_arrow), process, work


def test_a_batch_comes_back_as_rows_of_one_arrow_table_in_the_cache_s_layout(project):
    task, process, work = _task_and_work(project)
    outputs = task(work)
    assert len(outputs) == len(work) and all(isinstance(o, computed.Row) for o in outputs)
    assert len({id(o.shipment) for o in outputs}) == 1  # one table for the batch
    crossed = pickle.loads(pickle.dumps(outputs))  # as a process pool sends them
    table, at, entries = computed.received(crossed)
    assert entries == [] and at == list(range(len(work)))
    assert table.schema == entry_schema(task.record_arrow)
    # The same records, findings and signatures as the Entry objects process() makes.
    expected = process.batch(work)
    assert table.column("id").to_pylist() == [e.article.id for e in expected]
    assert table.column("text").to_pylist() == [e.article.text for e in expected]
    assert [findings_of(text) for text in table.column("_findings").to_pylist()] == [
        e.findings for e in expected
    ]
    signatures = [bytes(s) for s in table.column("_signature").to_pylist()]
    assert signatures == [
        pa.array(e.signature, pa.uint32()).buffers()[1].to_pybytes() for e in expected
    ]


def test_the_table_crosses_once_however_many_rows_refer_to_it():
    table = pa.table({"n": list(range(2000)), "text": ["words " * 50] * 2000})
    shipment = computed.Shipment(table)
    alone = len(pickle.dumps(shipment))
    rows = [computed.Row(shipment, i) for i in range(2000)]
    assert len(pickle.dumps(rows)) < alone * 1.5
    assert computed.received(pickle.loads(pickle.dumps(rows)))[0].equals(table)


def test_rows_given_out_of_order_or_beside_entries_are_placed_by_their_outputs():
    first = computed.Shipment(pa.table({"n": [0, 1, 2]}))
    second = computed.Shipment(pa.table({"n": [10, 11]}))
    odd = Entry(article=None, findings=[], signature=None)
    outputs = [
        computed.Row(second, 1),
        odd,
        computed.Row(first, 2),
        computed.Row(first, 0),
        computed.Row(second, 0),
    ]
    table, at, entries = computed.received(outputs)
    assert table.column("n").to_pylist() == [11, 2, 0, 10]
    assert at == [0, 2, 3, 4] and entries == [1]
    assert computed.received([odd]) == (None, [], [0])


def test_a_record_arrow_cannot_hold_comes_back_as_its_entry(project, monkeypatch):
    from corpuspack.article.record import Article

    plain = Article.to_row

    def odd(self):
        row = plain(self)
        if self.raw_path.startswith("raw/rt/"):
            row["title"] = 12345  # a type Arrow refuses
        return row

    monkeypatch.setattr(Article, "to_row", odd)
    task, _, work = _task_and_work(project)
    outputs = task(work)
    shown = [capture.shown for capture, _ in work]
    for path, output in zip(shown, outputs, strict=True):
        assert isinstance(output, Entry) == path.startswith("raw/rt/")
    table, at, entries = computed.received(outputs)
    assert table.column("raw_path").to_pylist() == [shown[i] for i in at]
    assert sorted(at + entries) == list(range(len(work))) and entries
