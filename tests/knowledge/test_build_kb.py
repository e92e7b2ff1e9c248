"""``knowledge build-kb`` on a small dump in the real Wikidata JSON dump format.

The sample (fixtures/real/wikidata-dump-sample.json.gz) holds four real entity documents, Q1 (universe), P31
(instance of), Q42 (Douglas Adams) and Q1040 (Karlsruhe), exactly as Wikidata's API served them, laid out
as the dump lays out entities: a JSON array, one entity per line.
"""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.errors import FinefakeError
from finefake.knowledge.kb import BuildKbConfig, build_kb
from finefake.knowledge.linking.indexed import IndexedLinker, KbIndex
from finefake.knowledge.store import LocalStore

DUMP = Path(__file__).parent / "fixtures" / "real" / "wikidata-dump-sample.json.gz"


def _rows(out: Path) -> list[tuple]:
    db = sqlite3.connect(out / "index.sqlite")
    return db.execute("SELECT qid, label, description, kind FROM entity ORDER BY qid").fetchall()


def test_index_and_store_from_the_dump(tmp_path):
    report = build_kb(BuildKbConfig(dump=DUMP, out=tmp_path / "kb"))
    assert report.finished and report.lines_read == 4 and report.entities == 3 and report.properties == 1
    # written by hand from the four entity documents
    assert _rows(tmp_path / "kb") == [
        (
            "Q1",
            "universe",
            "totality of planets, stars, galaxies, intergalactic space, or all matter or all energy",
            None,
        ),
        ("Q1040", "Karlsruhe", "German city in the state of Baden-Württemberg", "place"),
        ("Q42", "Douglas Adams", "English writer and humorist", "person"),
    ]
    index = KbIndex(tmp_path / "kb")
    assert index.candidates("douglas noël adams") == (("Q42", "Douglas Noël Adams", 0.6),)
    assert index.candidates("cosmos") == (("Q1", "cosmos", 0.6),)
    store = LocalStore(tmp_path / "kb" / "store.nt")
    answer = store.select(
        "SELECT ?c WHERE { <http://www.wikidata.org/entity/Q42> <http://www.wikidata.org/prop/direct/P31> ?c }"
    )
    assert [b["c"]["value"] for b in answer["results"]["bindings"]] == ["http://www.wikidata.org/entity/Q5"]
    prop = store.select(
        "SELECT ?t WHERE { <http://www.wikidata.org/entity/P31> <http://wikiba.se/ontology#propertyType> ?t }"
    )
    assert prop["results"]["bindings"][0]["t"]["value"] == "http://wikiba.se/ontology#WikibaseItem"


def test_type_filter_keeps_instances_of_the_given_classes(tmp_path):
    report = build_kb(BuildKbConfig(dump=DUMP, out=tmp_path / "kb", types=("Q5",)))
    assert [r[0] for r in _rows(tmp_path / "kb")] == ["Q42"]
    assert report.skipped_type == 2 and report.properties == 1


def test_resumes_where_it_stopped(tmp_path):
    out = tmp_path / "kb"
    first = build_kb(BuildKbConfig(dump=DUMP, out=out, limit=2, commit_every=1))
    assert not first.finished and first.lines_read == 2
    with pytest.raises(FinefakeError, match="unfinished"):
        KbIndex(out)
    second = build_kb(BuildKbConfig(dump=DUMP, out=out, commit_every=1))
    assert second.finished and second.resumed_from == 2 and second.lines_read == 2
    fresh = build_kb(BuildKbConfig(dump=DUMP, out=tmp_path / "fresh"))
    assert _rows(out) == _rows(tmp_path / "fresh") and fresh.finished
    assert (out / "store.nt").read_bytes() == (tmp_path / "fresh" / "store.nt").read_bytes()
    with pytest.raises(FinefakeError, match="another dump or other options"):
        build_kb(BuildKbConfig(dump=DUMP, out=out, types=("Q5",)))


def test_a_torn_ntriples_tail_is_cut_back_on_resume(tmp_path):
    out = tmp_path / "kb"
    build_kb(BuildKbConfig(dump=DUMP, out=out, limit=3, commit_every=1))
    with open(out / "store.nt", "ab") as fh:
        fh.write(
            b"<http://www.wikidata.org/entity/Q42> <http://www.w3.org/2000/01/rdf-schema#lab"
        )  # killed mid-write
    build_kb(BuildKbConfig(dump=DUMP, out=out))
    fresh = tmp_path / "fresh"
    build_kb(BuildKbConfig(dump=DUMP, out=fresh))
    assert (out / "store.nt").read_bytes() == (fresh / "store.nt").read_bytes()


def test_linker_over_the_index(tmp_path):
    build_kb(BuildKbConfig(dump=DUMP, out=tmp_path / "kb"))
    linker = IndexedLinker(tmp_path / "kb", ner=False)
    (found,) = linker.link_many(
        ["Douglas Adams, the English writer and humorist, once passed through Karlsruhe."]
    )
    assert [(c.mention, c.qid) for c in found] == [("Douglas Adams", "Q42"), ("Karlsruhe", "Q1040")]
    assert all(0.0 < c.rho < 1.0 for c in found)
    assert found[0].rho > found[1].rho  # the writer has context in the text, the city none


def test_cli_build_kb(tmp_path):
    plain = tmp_path / "dump.json"
    plain.write_bytes(gzip.decompress(DUMP.read_bytes()))
    result = CliRunner().invoke(
        app, ["-w", str(tmp_path / "ws"), "knowledge", "build-kb", str(plain), "--types", "Q5,Q515"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "finished: 2 entities" in result.output
    )  # Douglas Adams (Q5) and Karlsruhe (Q515) and (tmp_path / "ws" / "kb" / "index.sqlite").is_file()
    bad = CliRunner().invoke(
        app, ["-w", str(tmp_path / "ws"), "knowledge", "build-kb", str(plain), "--types", "human"]
    )
    assert isinstance(bad.exception, FinefakeError) and "not Wikidata item ids: human" in str(bad.exception)


def test_align_knowledge_uses_the_index_with_kb(tmp_path):
    from finefake.knowledge.aligner import AlignConfig, make_linker
    from finefake.workspace import Workspace

    build_kb(BuildKbConfig(dump=DUMP, out=tmp_path / "kb"))
    linker = make_linker(Workspace(tmp_path / "ws"), AlignConfig(kb_path=str(tmp_path / "kb")), fetcher=None)
    assert isinstance(linker, IndexedLinker) and linker.index.candidates("karlsruhe")[0][0] == "Q1040"
