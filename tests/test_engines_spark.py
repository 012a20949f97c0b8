"""The spark engine (local[2], one session for the module) writes what the local engine writes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sunset.batch import normalize_many, run_sites
from sunset.config import load_config
from sunset.engines import LocalEngine, SparkEngine, spark_available
from tests.batch_inputs import (
    killed_worker_run,
    make_inputs,
    read_parts,
    write_small_site,
)
from tests.conftest import OTPIC_CONFIG

pytestmark = pytest.mark.skipif(spark_available() is not None, reason=str(spark_available()))


@pytest.fixture(scope="module")
def spark() -> SparkEngine:
    engine = SparkEngine("local[2]")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_inputs(tmp_path_factory.mktemp("warcs"))


def test_spark_records_equal_local_records(spark: SparkEngine, inputs: list[Path], tmp_path: Path) -> None:
    sources = [str(inputs[0]), inputs[1].as_uri(), str(inputs[2]), str(inputs[3])]
    local = normalize_many(sources, tmp_path / "local", LocalEngine())
    on_spark = normalize_many(sources, tmp_path / "spark", spark, merge=True)
    local_parts, spark_parts = read_parts(tmp_path / "local"), read_parts(tmp_path / "spark")
    # The small site's 4 files, and its old Apache's listing of "sub dir/" (no index page there) in the
    # nine orders its column headings open: its WARC's served answers beside it (sunset ingest made them).
    assert [len(part) for part in spark_parts] == [20, 4 + 9, 5, 5]
    for local_part, spark_part in zip(local_parts, spark_parts, strict=True):
        for local_record, spark_record in zip(local_part, spark_part, strict=True):
            assert spark_record == local_record
    manifest = json.loads(on_spark.manifest.read_text(encoding="utf-8"))
    assert manifest["engine"] == "spark"
    same = ("source", "part", "base_url", "base_url_from", "records", "pages", "input_sha256", "part_sha256")
    assert [{key: entry[key] for key in same} for entry in manifest["inputs"]] == \
        [{key: getattr(part, key) if key != "part" else f"parts/{part.part}" for key in same}
         for part in local.parts]


def test_spark_runs_one_site_per_task(spark: SparkEngine, tmp_path: Path) -> None:
    """Two sites through every stage on Spark: the mirrors are the local engine's, file for file."""
    write_small_site(tmp_path / "small")
    configs = {engine: [load_config(OTPIC_CONFIG, out=tmp_path / engine / "otpic"),
                        load_config(tmp_path / "small" / "site.toml", out=tmp_path / engine / "small")]
               for engine in ("local", "spark")}
    local = run_sites(configs["local"], ("ingest", "normalize", "mirror", "verify"), LocalEngine()).sites
    remote = run_sites(configs["spark"], ("ingest", "normalize", "mirror", "verify"), spark).sites
    assert [(r.name, r.error, r.verified, r.pages) for r in remote] == \
        [(r.name, r.error, r.verified, r.pages) for r in local] == [("otpic", None, True, 16),
                                                                     ("small", None, True, 3 + 9)]
    for name in ("otpic", "small"):
        local_mirror, spark_mirror = tmp_path / "local" / name / "mirror", tmp_path / "spark" / name / "mirror"
        files = sorted(path.relative_to(local_mirror) for path in local_mirror.rglob("*") if path.is_file())
        assert files == sorted(path.relative_to(spark_mirror) for path in spark_mirror.rglob("*") if path.is_file())
        for relative in files:
            if relative.as_posix() == "_sunset/about.html":
                continue  # names the WARC's digest, and the two ingests minted different record ids
            assert (spark_mirror / relative).read_bytes() == (local_mirror / relative).read_bytes(), relative
        # Two ingests made two WARCs: the same bytes, but each record has its own WARC-Record-ID.
        assert records_without_ids(tmp_path / "spark" / name) == records_without_ids(tmp_path / "local" / name)


def records_without_ids(folder: Path) -> list[dict]:
    lines = (folder / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "warc_record_id"} for line in lines]


def test_spark_session_is_locked_down(spark: SparkEngine) -> None:
    conf = spark.session.sparkContext.getConf()
    assert conf.get("spark.speculation") == "false"
    assert conf.get("spark.ui.enabled") == "false"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"


def test_local_spark_retries_a_killed_worker(spark: SparkEngine, tmp_path: Path) -> None:
    """local[2] tries a task again like a cluster does (sunset asks for local[2,4])."""
    killed_worker_run(spark, tmp_path)
