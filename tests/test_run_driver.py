"""The run driver and the steps it runs: declared once (sunset/steps.py, sunset/sources.py), one
route whatever the source, a stage command = the steps of its stage, a new source = one line."""
from __future__ import annotations

import dataclasses
import io
import json
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.capture import BytesBody, Capture
from archive.capture_index import CAPTURE_INDEX
from archive.errors import StageInputError
from archive.index_lines import lines_path
from crawl.wayback.options import WaybackOptions
from sunset import run_driver, sources, steps
from sunset.cli import COMMANDS, main
from sunset.console import run_stamp
from sunset.config import SiteConfig, load_config
from sunset.layout import OutputLayout
from sunset.pipeline import archive_captures
from sunset.sources import Source, source_of
from sunset.steps import STEPS, RunFlags, Step, run_plan, stage_plan
from tests.conftest import write_config

LAYOUT_PATHS = {name for name, value in vars(OutputLayout).items() if isinstance(value, property)}


def _every_step() -> tuple[Step, ...]:
    return (*(steps.source_step(source) for source in sources.SOURCES), *STEPS)


def test_every_step_reads_and_makes_paths_of_the_output_layout() -> None:
    for step in _every_step():
        assert set(step.reads) | set(step.makes) | set(step.needs) <= LAYOUT_PATHS, step.name
        assert set(step.needs) <= set(step.reads) or step.needs == ("warc",), step.name
        assert step.stage is None or step.stage in COMMANDS, step.name


def _configs() -> tuple[SiteConfig, SiteConfig, SiteConfig]:
    """The example as ingested, as crawled, and as rebuilt from a web archive."""
    docroot = load_config(Path(__file__).resolve().parents[1] / "examples" / "otpic" / "site.toml")
    crawled = dataclasses.replace(docroot, source=dataclasses.replace(docroot.source, docroot=None))
    archived = dataclasses.replace(crawled, source=dataclasses.replace(
        crawled.source, wayback=WaybackOptions("http://127.0.0.1:9/otpic/", "19981101000000")))
    return docroot, crawled, archived


def test_each_output_has_one_maker_and_a_run_reads_nothing_made_later() -> None:
    makers = [output for step in STEPS for output in step.makes]
    assert len(makers) == len(set(makers)) and "warc" not in makers  # the master: the source's alone
    docroot, crawled, archived = _configs()
    for config, source in ((docroot, "ingest"), (crawled, "crawl"), (archived, "crawl")):
        plan = [step.name for step in run_plan(config)]
        assert plan == [source, *(step.name for step in STEPS)]  # one route: only the source differs
    for index, step in enumerate(STEPS):
        later = {output for after in STEPS[index + 1:] for output in after.makes}
        assert not set(step.reads) & later, f"{step.name} reads what a later step makes"
    assert {step.name for step in STEPS if step.aside} == {"replay", "derived", "check"}


def test_stage_commands_run_the_steps_of_their_stage() -> None:
    docroot, crawled, archived = _configs()
    assert [step.name for step in stage_plan(docroot, "package")] == ["replay", "derived", "package"]
    assert [step.name for step in stage_plan(docroot, "verify")] == ["check", "verify"]
    assert [step.name for step in stage_plan(docroot, "mirror")] == ["mirror"]
    # `sunset ingest` also keeps the old server's answers where they were not its files (issue 22)
    assert [step.name for step in stage_plan(docroot, "ingest")] == ["ingest", "served"]
    assert [step.name for step in stage_plan(crawled, "crawl")] == ["crawl"]
    assert [step.name for step in stage_plan(docroot, "normalize", "mirror")] == ["normalize", "mirror"]
    # `sunset crawl` fetches from where the config says: the live server, or a web archive.
    for config, how in ((crawled, "crawled over HTTP"), (archived, "rebuilt from a web archive")):
        (step,) = stage_plan(config, "crawl")
        assert step.run.args[0] is source_of(config) and source_of(config).how == how


def test_a_stage_command_runs_one_step(otpic_run, tmp_path: Path) -> None:
    """``sunset normalize`` on a finished run's folder remakes records.jsonl and nothing else."""
    config, layout = otpic_run
    records = layout.records.read_bytes()
    mirror_index = (layout.mirror / "index.html").stat().st_mtime_ns
    made = run_driver.run(config, stage_plan(config, "normalize"), RunFlags(quiet=True))
    assert made.done == ["normalize"] and set(made.results) == {"normalize"}
    assert layout.records.read_bytes() == records
    assert (layout.mirror / "index.html").stat().st_mtime_ns == mirror_index


def test_a_step_before_its_input_says_what_to_run(tmp_path: Path) -> None:
    (tmp_path / "docroot" / "site").mkdir(parents=True)
    config = load_config(write_config(tmp_path), out=tmp_path / "out")
    with pytest.raises(StageInputError, match="run `sunset ingest` first"):
        run_driver.run(config, stage_plan(config, "package"), RunFlags(quiet=True))
    crawled = dataclasses.replace(config, source=dataclasses.replace(config.source, docroot=None))
    with pytest.raises(StageInputError, match="run `sunset crawl` first"):
        run_driver.run(crawled, stage_plan(crawled, "mirror"), RunFlags(quiet=True))


# --- the driver's rules, with steps of a test's own ----------------------------------------------

def _write(name: str, text: str, log: list[str] | None = None):
    def step(run) -> str:
        getattr(run.layout, name).write_text(text, encoding="utf-8")
        if log is not None:
            log.append(name)
        return text
    return step


def _config(tmp_path: Path):
    (tmp_path / "docroot" / "site").mkdir(parents=True, exist_ok=True)
    config = load_config(write_config(tmp_path), out=tmp_path / "out")
    config.output_dir.mkdir(parents=True, exist_ok=True)
    return config


def test_a_step_done_along_is_not_run_again(tmp_path: Path) -> None:
    ran: list[str] = []

    def master_and_records(run) -> str:
        _write("warc", "master")(run)
        if "records" in run.along:
            run.did("records", _write("records", "made along")(run))
        return "master"

    plan = (Step("master", None, (), ("warc",), master_and_records, needs=(), along=("records",)),
            Step("records", None, ("warc",), ("records",), _write("records", "made after", ran)))
    made = run_driver.run(_config(tmp_path), plan)
    assert ran == [] and made.results == {"master": "master", "records": "made along"}
    assert made.done == ["records", "master"]
    alone = run_driver.run(_config(tmp_path), plan[:1])  # nothing to do along: only the master
    assert alone.results == {"master": "master"}


def test_an_aside_starts_once_its_inputs_are_made_and_is_waited_for(tmp_path: Path) -> None:
    config = _config(tmp_path)
    layout = OutputLayout(config.output_dir, config.name)

    def copy_of_records(run) -> str:
        text = run.layout.records.read_text(encoding="utf-8")
        run.layout.cdxj.write_text(text.upper(), encoding="utf-8")
        return text

    def reads_the_copy(run) -> str:
        return run.layout.cdxj.read_text(encoding="utf-8") + " + " + run.result("copy")

    plan = (Step("master", None, (), ("warc",), _write("warc", "w"), needs=()),
            Step("records", None, ("warc",), ("records",), _write("records", "r")),
            Step("copy", None, ("records",), ("cdxj",), copy_of_records, aside=True),
            Step("last", None, ("cdxj",), (), reads_the_copy))
    made = run_driver.run(config, plan)
    assert made.results["last"] == "R + r" and layout.cdxj.read_text(encoding="utf-8") == "R"
    assert made.done == ["master", "records", "copy", "last"] and made.made("cdxj")


def test_every_step_is_timed_where_it_ran_and_the_run_keeps_the_spans(tmp_path: Path, caplog) -> None:
    """Each step's start and end (seconds since the process started) and CPU: an aside's measured in
    its own process, beside the steps after it; a step done along shares its step's start. They go
    into the run's entry of run.json (what `make bench` prints) and sunset.log."""
    caplog.set_level("INFO", logger="sunset")
    config = _config(tmp_path)

    def master_and_records(run) -> str:
        _write("warc", "w")(run)
        run.did("records", _write("records", "r")(run))
        return "master"

    def busy(run) -> int:  # CPU the aside's process spends, not this one's
        return sum(range(5_000_000))

    plan = (Step("master", "ingest", (), ("warc",), master_and_records, needs=(), along=("records",)),
            Step("records", None, ("warc",), ("records",), _write("records", "again")),
            Step("busy", None, ("records",), ("cdxj",), busy, aside=True),
            Step("last", None, ("records",), (), lambda run: run.result("busy")))  # waits for it inside
    stamp = run_stamp(["run", "x"])
    made = run_driver.run(config, plan, RunFlags(stamp=stamp))
    spans = {span.step: span for span in made.spans}
    assert [span.step for span in made.spans][:2] == ["master", "records"]  # by start, the step before its along
    assert spans["records"].along == "master" and spans["records"].start == spans["master"].start
    assert spans["records"].end <= spans["master"].end and spans["records"].cpu is None
    assert spans["busy"].aside and spans["busy"].cpu > 0 and spans["busy"].start >= spans["master"].end
    assert all(0 < span.start <= span.end for span in made.spans)
    assert spans["last"].cpu < spans["busy"].cpu / 2  # the aside's CPU is not the step's that waited for it
    (entry,) = json.loads(made.layout.run_info.read_text(encoding="utf-8"))["runs"]
    assert entry["id"] == stamp.id and [step["step"] for step in entry["steps"]] == [s.step for s in made.spans]
    busy_entry = next(step for step in entry["steps"] if step["step"] == "busy")
    assert busy_entry["aside"] is True and busy_entry["seconds"] == pytest.approx(busy_entry["end"] - busy_entry["start"],
                                                                                  abs=0.002)
    assert "run: step busy aside: " in caplog.text
    assert run_driver.run(config, plan).spans  # timed without a stamp too (a batch task), kept nowhere


def test_an_aside_failure_fails_the_run(tmp_path: Path) -> None:
    def fails(run) -> None:
        raise StageInputError("the aside could not")

    plan = (Step("master", None, (), ("warc",), _write("warc", "w"), needs=()),
            Step("broken", None, ("warc",), (), fails, aside=True))
    with pytest.raises(StageInputError, match="the aside could not"):
        run_driver.run(_config(tmp_path), plan)


def test_reuse_keeps_what_is_complete_and_no_older_than_its_inputs(tmp_path: Path) -> None:
    config = _config(tmp_path)
    ran: list[str] = []
    plan = (Step("master", None, (), ("warc",), _write("warc", "w", ran), needs=(), reusable=True),
            Step("records", None, ("warc",), ("records",), _write("records", "r", ran), reusable=True))
    run_driver.run(config, plan, RunFlags(reuse=True))
    again = run_driver.run(config, plan, RunFlags(reuse=True))
    assert ran == ["warc", "records"] and again.reused == ["master", "records"] and again.done == []
    assert run_driver.run(config, plan).done == ["master", "records"]  # without reuse: made again


def _master_of(*urls: str):
    """A step that writes a master WARC of one page at each of ``urls``."""
    def step(run) -> str:
        with run.layout.warc.open("wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            for url in urls:
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.0")
                writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(b"<P>x"),
                                                              http_headers=http))
        return "master"
    return step


def test_the_steps_and_asides_share_one_capture_index(tmp_path: Path) -> None:
    """Made once per master: before an aside that asks it forks (the aside finds it made), one for
    every step after; a step that makes the master again gets an index of the new one."""
    config = _config(tmp_path)
    first, second = "http://old.example.org/site/", "http://old.example.org/site/b.htm"
    index_file = lines_path(OutputLayout(config.output_dir, config.name).warc, CAPTURE_INDEX)

    def aside(run) -> tuple[bytes, str]:
        made = index_file.read_bytes()  # before this process asks: made before the fork
        return made, run.captures().first(first).url

    def asks(url: str):
        return lambda run: (id(run.captures()), run.captures().first(url) is not None)

    plan = (Step("master", None, (), ("warc",), _master_of(first), needs=()),
            Step("aside", None, ("warc",), (), aside, aside=True, captures=True),
            Step("one", None, ("warc",), (), asks(first), captures=True),
            Step("two", None, ("warc",), (), asks(first), captures=True),
            Step("wait", None, (), (), lambda run: run.result("aside"), needs=()),  # before the master changes
            Step("again", None, (), ("warc",), _master_of(first, second), needs=()),
            Step("three", None, ("warc",), (), asks(second), captures=True))
    made = run_driver.run(config, plan)
    assert made.results["aside"][1] == first
    assert made.results["one"] == made.results["two"] and made.results["one"][1]
    assert made.results["three"][1]  # the master made again is indexed again
    assert made.results["aside"][0] != index_file.read_bytes()  # (an inode number can come back)


# --- a new source is one line --------------------------------------------------------------------

PAGES = {
    "http://listed.example.org/site/": b"<HTML><HEAD><TITLE>Listed</TITLE></HEAD><BODY>Start. "
                                       b"<A HREF=\"more.htm\">More</A> <IMG SRC=\"logo.gif\"></BODY></HTML>",
    "http://listed.example.org/site/more.htm": b"<HTML><BODY BGCOLOR=white>More \x93quoted\x94 text.</BODY></HTML>",
}


def listed_captures(options, on_skip, listed):
    """A source module's whole job: captures, one at a time."""
    for url, body in PAGES.items():
        yield Capture(url, datetime(1998, 11, 16, tzinfo=timezone.utc), "text/html", BytesBody(body))


def test_a_new_source_needs_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    listed = Source("listed", "read from a list of pages", lambda config: config.name == "listed",
                    partial(archive_captures, captures=listed_captures))
    monkeypatch.setattr(sources, "SOURCES", (listed, *sources.SOURCES))  # the one line
    config = tmp_path / "site.toml"
    config.write_text('[site]\nname = "listed"\nbase_url = "http://listed.example.org/site/"\n'
                      '[notice]\ntitle = "Retired"\ndate = "2005-12-02"\ntext = "Gone."\n'
                      '[archive]\nfixed_clock = "2026-01-01T00:00:00Z"\nrecord_id_seed = "listed"\n',
                      encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "files archived   2" in summary and "verification     passed (3 WARC records)" in summary
    layout = OutputLayout(out, "listed")
    records = [json.loads(line) for line in layout.records.read_text(encoding="utf-8").splitlines()]
    assert [record["url"] for record in records] == list(PAGES)
    more = (out / "mirror" / "listed.example.org" / "site" / "more.htm").read_text(encoding="utf-8")
    assert "Gone." in more and "\u201cquoted\u201d" in more
    for path in (layout.derived_warc, layout.reconstructed_warc, layout.cdxj, layout.wacz):
        assert path.exists(), path
    with layout.warc.open("rb") as handle:
        info = next(iter(ArchiveIterator(handle))).content_stream().read().decode()
    assert "read from a list of pages" in info
    # The stage command of the new source is its step alone.
    assert [step.name for step in stage_plan(load_config(config), "listed")] == ["listed"]
