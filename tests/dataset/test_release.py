from __future__ import annotations

import io
import os
import pickle

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from finefake.dataset.package import package
from finefake.dataset.release import ImportConfig, import_release
from finefake.dataset.unpickle import RefusedGlobal, load_release_frame, restricted_loads
from finefake.errors import FinefakeError
from finefake.workspace import Workspace


def _png(color: tuple[int, int, int], size: int = 12) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _release(tmp_path, protocol: int = 4):
    """A release-shaped DataFrame (13 columns, types as in the FineFake pickle) and its image folder."""
    images = tmp_path / "release" / "Image"
    images.mkdir(parents=True)
    (images / "0.png").write_bytes(_png((255, 0, 0)))
    (images / "1.png").write_bytes(_png((0, 255, 0), 20))
    (images / "3.png").write_bytes(b"not an image at all")
    frame = pd.DataFrame(
        {
            "text": [
                "Senate passes the bill.",
                "Miracle cure found!",
                "Troops cross the border.",
                "Storm hits.",
            ],
            "image_path": ["0.png", "1.png", "2.png", "3.png"],
            "entity_id": [["Q30", "Q76"], [], ["Q159", "Q212", "Q801", "Q794", "Q145"], ["Q2", "not-a-qid"]],
            "topic": ["Politics", "Health", "Conflict", "Society"],
            "label": [1, 0, 0, 1],
            "fine-grained label": [0, 3, 2, 0],
            "knowledge_embedding": [
                np.arange(4, dtype=np.float32) / 4,
                np.ones(4, dtype=np.float32),
                np.zeros(4, dtype=np.float32),
                np.full(4, 0.5, dtype=np.float32),
            ],
            "description": [
                ["country in North America", "44th president"],
                [],
                ["c1", "c2", "c3", "c4", "c5"],
                ["planet", "?"],
            ],
            "relation": [[("Q76", "P27", "Q30")], [], [("Q159", "P47", "Q212"), "free text"], np.nan],
            "platform": ["Washingtonpos", "Twitter", "Cdc.gov", "Snopes"],
            "author": ["Jane Roe", np.nan, ["A", "B"], None],
            "date": ["2021-03-04 10:00:00", np.nan, pd.Timestamp("2020-01-02"), "not a date"],
            "comment": [np.nan, ["so true", "fake!"], [], "one comment"],
        }
    )
    path = tmp_path / "release" / "FineFake.pkl"
    path.write_bytes(pickle.dumps(frame, protocol=protocol))
    return path, images, frame


def test_every_column_lands_where_it_belongs(tmp_path):
    path, images, _ = _release(tmp_path)
    ws = Workspace(tmp_path / "ws")
    report = import_release(ws, ImportConfig(path=path, images=images))
    records = list(ws.read("records", "record"))
    assert report.rows == 4 and report.written == 4 and not report.skipped
    wapo, tweet, cdc, snopes = records
    assert wapo["id"] == "washingtonpost:finefake-0" and wapo["platform_group"] == "official"
    assert (tweet["platform"], cdc["platform"], snopes["platform"]) == ("twitter", "cdc", "snopes")
    assert wapo["topic"] == "politics" and cdc["topic"] == "conflict"
    assert wapo["text"] == "Senate passes the bill."
    assert (wapo["label"], tweet["label"], tweet["fine_grained_label"], cdc["fine_grained_label"]) == (
        1,
        0,
        3,
        2,
    )
    assert [e["qid"] for e in wapo["entities"]] == ["Q30", "Q76"]
    assert [e["description"] for e in wapo["entities"]] == ["country in North America", "44th president"]
    assert tweet["entities"] == [] and len(cdc["entities"]) == 5
    assert [e["qid"] for e in snopes["entities"]] == ["Q2"] and report.dropped_entity_ids == 1
    assert wapo["knowledge_embedding"] == pytest.approx([0, 0.25, 0.5, 0.75])
    assert wapo["relation_triples"] == [
        {"head": "Q76", "property": "P27", "property_label": "", "tail": "Q30", "tail_label": ""}
    ]
    assert len(cdc["relation_triples"]) == 1 and cdc["metadata"]["release"]["relation"][1] == "free text"
    assert wapo["authors"] == ["Jane Roe"] and tweet["authors"] == [] and cdc["authors"] == ["A", "B"]
    assert wapo["published"] == "2021-03-04T10:00:00+00:00" and tweet["published"] is None
    assert cdc["published"] == "2020-01-02T00:00:00+00:00"
    assert snopes["published"] is None and snopes["metadata"]["release"]["date"] == "not a date"
    assert report.unparsed_dates == 1
    assert wapo["comments"] == [] and [c["text"] for c in tweet["comments"]] == ["so true", "fake!"]
    assert [c["text"] for c in snopes["comments"]] == ["one comment"]
    # images: stored content-addressed; missing and undecodable ones counted, the rows kept
    assert wapo["images"][0]["width"] == 12 and tweet["images"][0]["width"] == 20
    assert ws.images.path(wapo["images"][0]["path"]).read_bytes() == (images / "0.png").read_bytes()
    assert cdc["images"] == [] and snopes["images"] == []
    assert report.missing_images == 1 and report.rejected_images == {"undecodable": 1}
    assert any("2.png" in e for e in report.examples)
    assert wapo["decision"]["method"] == "imported" and wapo["metadata"]["source"] == "finefake-release"
    saved = ws.load_manifest("records")
    assert saved["counts"]["missing_images"] == 1
    assert (ws.root / "records" / "import_report.json").is_file()


def test_imported_records_package_end_to_end(tmp_path):
    path, images, _ = _release(tmp_path)
    ws = Workspace(tmp_path / "ws")
    import_release(ws, ImportConfig(path=path, images=images))
    report = package(ws)
    assert report.total == 4 and report.missing_images == 2
    from datasets import load_from_disk

    rows = [row for split in load_from_disk(str(ws.root / "dataset" / "hf")).values() for row in split]
    wapo = next(r for r in rows if r["id"] == "washingtonpost:finefake-0")
    assert wapo["knowledge_embedding"] == pytest.approx([0, 0.25, 0.5, 0.75])


def test_bad_rows_are_skipped_and_counted(tmp_path):
    frame = pd.DataFrame(
        {
            "text": ["a", "b", "c"],
            "topic": ["Politics", "Gardening", "Health"],
            "label": [1, 0, np.nan],
            "platform": ["CNN", "CNN", "Myspace"],
        }
    )
    path = tmp_path / "r.pkl"
    path.write_bytes(pickle.dumps(frame))
    ws = Workspace(tmp_path / "ws")
    report = import_release(ws, ImportConfig(path=path))
    assert report.written == 1 and sum(report.skipped.values()) == 2
    assert any("Gardening" in reason for reason in report.skipped)
    assert any("Myspace" in reason for reason in report.skipped)
    assert report.without_image_path == 1


def test_not_a_release_is_refused(tmp_path):
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps(pd.DataFrame({"foo": [1]})))
    with pytest.raises(FinefakeError, match="not a FineFake release"):
        import_release(Workspace(tmp_path / "ws"), ImportConfig(path=path))
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(FinefakeError, match="not a pandas DataFrame"):
        load_release_frame(path)


class _Evil:
    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_pickle_calling_os_system_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Evil(f"touch {marker}"))
    with pytest.raises(RefusedGlobal, match=r"system") as info:
        restricted_loads(payload, source="evil.pkl")
    assert "evil.pkl" in str(info.value) and "--trust-pickle" in str(info.value)
    # hidden inside a release-shaped frame's object column
    frame = pd.DataFrame(
        {
            "text": ["x"],
            "topic": ["Politics"],
            "label": [1],
            "platform": ["CNN"],
            "comment": [[_Evil(f"touch {marker}")]],
        }
    )
    path = tmp_path / "FineFake.pkl"
    path.write_bytes(pickle.dumps(frame))
    with pytest.raises(FinefakeError, match="refusing"):
        import_release(Workspace(tmp_path / "ws"), ImportConfig(path=path))
    assert not marker.exists()
    assert not (tmp_path / "ws" / "records" / "data").exists()


@pytest.mark.parametrize(
    "global_name", [b"builtins\neval", b"subprocess\ncall", b"pandas\nread_csv", b"numpy\nload"]
)
def test_other_globals_are_refused(global_name):
    payload = b"c" + global_name + b"\n(S'1+1'\ntR."
    with pytest.raises(RefusedGlobal, match=global_name.split(b"\n")[1].decode()):
        restricted_loads(payload)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_release_pickled_with_any_protocol_loads(tmp_path, protocol):
    path, _, frame = _release(tmp_path, protocol=protocol)
    loaded = load_release_frame(path)
    assert list(loaded.columns) == list(frame.columns) and loaded["text"].tolist() == frame["text"].tolist()


def test_older_pandas_module_paths_are_admitted_and_routed(tmp_path):
    """Pickles of pandas 1.x/2.x name classes at their old homes (numpy.core, blocks.new_block)."""
    _, _, frame = _release(tmp_path)
    payload = pickle.dumps(frame, protocol=2)
    assert b"cpandas._libs.internals\n_unpickle_block\n" in payload
    old = payload.replace(
        b"cpandas._libs.internals\n_unpickle_block\n", b"cpandas.core.internals.blocks\nnew_block\n"
    )
    old = old.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
    assert old != payload
    loaded = restricted_loads(old)
    assert loaded["entity_id"].tolist() == frame["entity_id"].tolist()


def test_trust_pickle_is_explicit(tmp_path):
    path = tmp_path / "evilish.pkl"
    path.write_bytes(pickle.dumps(pd.DataFrame({"when": [pd.Timedelta("1D")], "x": [complex(1, 2)]})))
    frame = load_release_frame(path, trust_pickle=True)
    assert frame["x"].tolist() == [complex(1, 2)]


def test_cli_import_then_refusal(tmp_path):
    from finefake.cli import app

    path, images, _ = _release(tmp_path)
    ws = tmp_path / "ws"
    result = CliRunner().invoke(
        app, ["-w", str(ws), "import", "finefake-release", str(path), "--images", str(images)]
    )
    assert result.exit_code == 0, result.output
    assert Workspace(ws).has_records("records")
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(_Evil("true")))
    result = CliRunner().invoke(app, ["-w", str(ws), "import", "finefake-release", str(evil)])
    assert result.exit_code != 0 and isinstance(result.exception, RefusedGlobal)
