"""One read of a CSV file gives its SHA-256 and whether it is UTF-8 (csv_files.digest_utf8),
the same verdict as decoding it whole, wherever the chunks of the read fall."""

import hashlib

import pytest

from retrostudy.data import csv_files

CASES = {
    "ascii": b"patient_id,drug\nP1,DTX\n",
    "multibyte": "patient_id,drug\nP1,ハーセプチン\nP2,ＤＴＸ\n".encode(),
    "bom": b"\xef\xbb\xbfpatient_id\nP1\n",
    "cp932": "patient_id,drug\nP1,ハーセプチン\n".encode("cp932"),
    "bad_byte": b"patient_id\nP1\xff\nP2\n",
    "truncated": "patient_id\nP1ハ".encode()[:-1],  # ends inside a 3-byte sequence
    "empty": b"",
}


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 24])
@pytest.mark.parametrize("name", sorted(CASES))
def test_digest_and_utf8_verdict_match_a_whole_decode(tmp_path, monkeypatch, name, chunk):
    monkeypatch.setattr(csv_files, "_CHUNK", chunk)  # sequences split across reads
    data = CASES[name]
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    digest, utf8 = csv_files.digest_utf8(path)
    assert digest == hashlib.sha256(data).hexdigest()
    assert utf8 is _utf8(data)
    assert utf8 is (csv_files._check_decodes(path, "utf-8") is None)


def test_a_file_found_utf8_is_not_decoded_again(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_bytes(CASES["multibyte"])

    def no_second_read(*_):
        raise AssertionError("decoded twice")

    monkeypatch.setattr(csv_files, "_check_decodes", no_second_read)
    assert csv_files.as_utf8(path, "auto", "t.csv", utf8=True) == (path, None)
