"""The protocol file itself is hostile input too (issue 19, item 5): a folder, bytes that are
not UTF-8, a byte-order mark, an unknown endpoint key. Each gets a clear message and exit
code 2, never a traceback."""

import pytest

from retrostudy.cli import main
from retrostudy.errors import ProtocolError
from retrostudy.protocol import load_protocol, parse_protocol

TOML = '[study]\ntitle = "t"\n\n[index]\ndrug = "x"\n'


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "study.toml"
    path.write_bytes(b"\xef\xbb\xbf" + TOML.encode("utf-8"))
    assert load_protocol(path).study.title == "t"


def test_non_utf8_bytes_point_at_their_line(tmp_path):
    path = tmp_path / "study.toml"
    path.write_bytes(TOML.encode("utf-8") + 'label = "Tmab群"\n'.encode("cp932"))
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    (problem,) = info.value.problems
    assert problem.row == 6 and problem.code == "wrong_encoding"
    assert "line 6" in problem.message and "UTF-8" in problem.hint


def test_run_on_a_folder_says_so_and_exits_2(tmp_path, capsys):
    (tmp_path / "study.toml").write_text(TOML, encoding="utf-8")
    assert main(["run", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = " ".join(capsys.readouterr().err.split())  # however the console wraps it
    assert "a folder, not a protocol file" in err and "Traceback" not in err
    assert "study.toml" in err  # the hint names the file inside
    assert not (tmp_path / "out").exists()


def test_validate_protocol_not_utf8_exits_2(tmp_path, capsys):
    path = tmp_path / "study.toml"
    path.write_bytes(b'[data]\npath = "d\xff"\n')
    assert main(["validate", "--protocol", str(path)]) == 2
    assert "line 2" in " ".join(capsys.readouterr().err.split())


def test_unknown_endpoint_key_lists_the_allowed_keys():
    raw = {"study": {"title": "t"}, "index": {"drug": "x"},
           "endpoints": {"progfree": {"kind": "pfs", "evnts": ["progression"]}}}
    with pytest.raises(ProtocolError) as info:
        parse_protocol(raw)
    (problem,) = info.value.problems
    assert problem.key == "endpoints.progfree.pfs.evnts"
    assert problem.message == "unknown key 'evnts'"
    assert problem.hint.startswith("allowed keys here: label, kind, events, progression")
