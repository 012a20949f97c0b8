"""The batch commands on the local engine (no Spark needed): parts, manifest, inputs, sites, resume."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.reader import iter_warc_captures
from normalize.options import NormalizeOptions
from normalize.stage import normalize_warc
from sunset.batch import normalize_many, run_sites
from sunset.cli import main
from sunset.config import load_config
from sunset.engines import EngineError, LocalEngine, parse_conf
from tests.batch_inputs import make_inputs, read_parts, write_crawler_warc
from tests.conftest import OTPIC_CONFIG


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_inputs(tmp_path_factory.mktemp("warcs"))


def test_parts_are_what_normalize_warc_writes(inputs: list[Path], tmp_path: Path) -> None:
    """Each part is byte for byte the records.jsonl the one-site pipeline writes for that WARC."""
    summary = normalize_many([str(path) for path in inputs], tmp_path / "out", LocalEngine())
    for path, part in zip(inputs, summary.parts, strict=True):
        single = tmp_path / f"{part.part}.single"
        normalize_warc(path, NormalizeOptions(part.base_url), single)
        assert (tmp_path / "out" / "parts" / part.part).read_bytes() == single.read_bytes()
    assert [part.base_url_from for part in summary.parts] == ["warcinfo", "warcinfo", "first-capture",
                                                               "first-capture"]
    assert summary.parts[0].base_url == "http://www.colorado.edu/conflict/peace/"
    assert summary.parts[2].base_url == "http://cafe.example.net/"


def test_crawler_warc_records(inputs: list[Path], tmp_path: Path) -> None:
    """Responses become records with their HTTP status; the revisit and request records do not."""
    normalize_many([str(inputs[2])], tmp_path, LocalEngine())
    (records,) = read_parts(tmp_path)
    assert [(r["url"], r["status"]) for r in records] == [
        ("http://cafe.example.net/index.htm", 200), ("http://cafe.example.net/menu.htm", 200),
        ("http://cafe.example.net/img/logo.gif", 200), ("http://cafe.example.net/gone.htm", 404),
        ("metadata://crawl.log", None)]
    page = records[0]
    assert page["title"] == "Café Hours – 1997"
    assert page["last_modified"] == "1997-03-04T10:00:00Z"


def test_pool_equals_loop_and_manifest(inputs: list[Path], tmp_path: Path) -> None:
    sources = [str(path) for path in inputs]
    loop = normalize_many(sources, tmp_path / "loop", LocalEngine(1), merge=True)
    normalize_many(sources, tmp_path / "pool", LocalEngine(2), merge=True)
    assert read_parts(tmp_path / "loop") == read_parts(tmp_path / "pool")
    manifest = json.loads(loop.manifest.read_text(encoding="utf-8"))
    assert manifest["records"] == loop.records == sum(len(part) for part in read_parts(tmp_path / "loop"))
    assert [entry["source"] for entry in manifest["inputs"]] == sources
    assert all(entry["part_sha256"].startswith("sha256:") for entry in manifest["inputs"])
    merged = (tmp_path / "loop" / "records.jsonl").read_bytes()
    assert merged == b"".join((tmp_path / "loop" / entry["part"]).read_bytes() for entry in manifest["inputs"])


def test_cli_file_uris_and_bad_inputs(inputs: list[Path], tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["batch", "normalize", inputs[2].as_uri(), str(inputs[3]), "--out", str(out),
                 "--base-url", "http://cafe.example.net/", "--workers", "2"]) == 0
    assert "records from 2 WARCs" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["base_url_from"] for entry in manifest["inputs"]] == ["option", "option"]
    assert main(["batch", "normalize", "s3://bucket/a.warc.gz", "--out", str(out)]) == 1
    assert "s3:// inputs are not supported yet" in capsys.readouterr().err
    assert main(["batch", "normalize", str(inputs[2]), inputs[2].as_uri(), "--out", str(out)]) == 1
    assert "give each WARC once" in capsys.readouterr().err
    assert main(["batch", "normalize", str(tmp_path / "nope.warc"), "--out", str(out)]) == 1
    assert "no such WARC file" in capsys.readouterr().err
    with pytest.raises(EngineError, match="KEY=VALUE"):
        parse_conf(["spark.executor.memory"])


def test_batch_run_resumes_and_mirror_reruns(tmp_path: Path, capsys) -> None:
    out_root = tmp_path / "sites"
    args = ["batch", "run", str(OTPIC_CONFIG), "--out-root", str(out_root)]
    assert main(args) == 0
    assert "otpic: ingest normalize mirror package verify" in capsys.readouterr().out
    assert (out_root / "otpic" / "otpic.wacz").exists() and (out_root / "otpic" / "otpic-derived.warc.gz").exists()
    warc = out_root / "otpic" / "otpic.warc.gz"
    first = warc.stat().st_mtime_ns
    assert main(args) == 0  # a second run: the finished WARC and records are reused, not redone
    output = capsys.readouterr().out
    assert "otpic: mirror package verify (reused ingest, normalize)" in output
    assert warc.stat().st_mtime_ns == first
    assert main(["batch", "mirror", str(out_root / "otpic"), "-q"]) == 0
    assert (out_root / "otpic" / "mirror" / "index.html").exists()


def test_mirror_from_shared_warcs_groups_captures_by_site(tmp_path: Path) -> None:
    """Two sites spread over two crawler WARCs (one gzipped, one plain): each site gets exactly its
    own captures, record bytes unchanged, and a mirror."""
    mixed = tmp_path / "mixed.warc.gz"
    with mixed.open("wb") as handle:  # gzip members concatenate: one WARC holding both sites
        for host in ("cafe.example.net", "deli.example.net"):
            handle.write(write_crawler_warc(tmp_path / f"{host}.warc.gz", host=host).read_bytes())
    plain = write_crawler_warc(tmp_path / "deli2.warc", host="deli.example.net", gzip=False)
    configs = []
    for name in ("cafe", "deli"):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'[site]\nname = "{name}"\nbase_url = "http://{name}.example.net/"\n'
                        '[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "Gone."\n', encoding="utf-8")
        configs.append(load_config(path, out=tmp_path / "out" / name))
    results = run_sites(configs, ("mirror",), LocalEngine(2), warcs=[str(mixed), str(plain)]).sites
    assert [(r.name, r.error, r.done) for r in results] == [("cafe", None, ("extract", "normalize", "mirror")),
                                                            ("deli", None, ("extract", "normalize", "mirror"))]

    def captures(path: Path) -> list[tuple[str, bytes, bytes]]:
        return [(c.url, c.body.open().read(), repr(c.http_headers).encode()) for c in iter_warc_captures(path)]

    cafe = captures(tmp_path / "out" / "cafe" / "cafe.warc.gz")
    deli = captures(tmp_path / "out" / "deli" / "deli.warc.gz")
    # Each site keeps its four responses and its revisit (whose original is not archived, so it
    # yields no capture); the crawl log belongs to no site.
    assert cafe == captures(tmp_path / "cafe.example.net.warc.gz")[:4]
    assert deli == captures(tmp_path / "deli.example.net.warc.gz")[:4] + captures(plain)[:4]
    with (tmp_path / "out" / "deli" / "deli.warc.gz").open("rb") as handle:
        types = [record.rec_type for record in ArchiveIterator(handle, check_digests=True)]
    assert types == (["response"] * 4 + ["revisit"]) * 2
    assert (tmp_path / "out" / "cafe" / "mirror" / "cafe.example.net" / "index.htm").exists()
    ingested = load_config(OTPIC_CONFIG, out=tmp_path / "otpic")
    assert main(["ingest", str(OTPIC_CONFIG), "--out", str(tmp_path / "otpic"), "-q"]) == 0
    again = run_sites([replace(ingested, base_url="http://cafe.example.net/")], ("mirror",), LocalEngine(),
                      warcs=[str(mixed)]).sites
    assert again[0].error and "already exists and was not extracted" in again[0].error
