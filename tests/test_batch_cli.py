"""sunset/batch_cli.py: which sites a batch command means (names, patterns, output folders) and how
its flags read; the tasks themselves are tested in tests/test_engines_batch.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import ConfigError
from sunset.batch_cli import _site_configs
from sunset.cli import build_parser
from tests.conftest import write_config


def _site(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_config(folder)
    path.write_text(path.read_text(encoding="utf-8").replace('name = "test"', f'name = "{name}"'), encoding="utf-8")
    return path.rename(folder / f"{name}.toml")


def test_sites_by_name_and_by_pattern_in_order(tmp_path: Path) -> None:
    one, two, three = (_site(tmp_path / "sites", name) for name in ("one", "two", "three"))
    args = build_parser().parse_args(["batch", "run", str(three), "--sites", str(tmp_path / "sites" / "o*.toml"),
                                      "--sites", str(tmp_path / "sites" / "t*.toml"), "--out-root", str(tmp_path / "o")])
    configs = _site_configs(args)
    assert [config.name for config in configs] == ["three", "one", "three", "two"]  # names, then each pattern sorted
    assert [config.output_dir for config in configs][:2] == [(tmp_path / "o" / "three").resolve(),
                                                             (tmp_path / "o" / "one").resolve()]
    assert [config.path for config in configs[1:3]] == [one, three]


def test_without_out_root_each_site_keeps_its_own_folder(tmp_path: Path) -> None:
    site = _site(tmp_path, "one")
    (config,) = _site_configs(build_parser().parse_args(["batch", "mirror", str(site)]))
    assert config.output_dir == Path("out/one").resolve()


@pytest.mark.parametrize(("argv", "message"), [
    (["batch", "run"], "no sites given: name site configs or output folders, or use --sites 'GLOB'"),
    (["batch", "run", "--sites", "{tmp}/nothing-*.toml"], "--sites '{tmp}/nothing-*.toml' matches no file"),
])
def test_no_sites_is_a_clear_error(argv: list[str], message: str, tmp_path: Path) -> None:
    args = build_parser().parse_args([part.format(tmp=tmp_path) for part in argv])
    with pytest.raises(ConfigError) as caught:
        _site_configs(args)
    assert str(caught.value) == message.format(tmp=tmp_path)


def test_engine_flags() -> None:
    args = build_parser().parse_args(["batch", "normalize", "a.warc.gz", "--out", "o", "--engine", "spark",
                                      "--master", "local[2]", "--conf", "a=1", "--conf", "b=2", "--merge"])
    assert (args.engine, args.master, args.conf, args.workers, args.merge) == ("spark", "local[2]", ["a=1", "b=2"], 1,
                                                                               True)
    assert build_parser().parse_args(["batch", "run", "--workers", "3"]).workers == 3  # the old spelling
    with pytest.raises(SystemExit):
        build_parser().parse_args(["batch", "normalize", "a.warc.gz"])  # --out is required
