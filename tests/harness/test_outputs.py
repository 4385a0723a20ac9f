"""Parsing clues.csv: a table of bad outputs, and what good ones become."""

from __future__ import annotations

import hashlib
import math
import os

import pytest

from harness.outputs import InvalidOutput, OutputTooLarge, parse_clues

MAX = 1 << 20

BAD_OUTPUTS = [
    ("empty file", b"", "clues.csv is empty; write at least the header line"),
    ("only blank lines", b"\n\n", "clues.csv is empty"),
    ("no record_id column", b"id,reason\nP1,X\n", "clues.csv has no record_id column; the header"),
    ("record_id wrong case", b"Record_ID\nP1\n",
     "no record_id column (found 'Record_ID'; column names are case-sensitive)"),
    ("repeated column", b"record_id,reason,reason\nP1,A,B\n", "repeats the column 'reason'"),
    ("empty record_id", b"record_id,reason\nP1,A\n  ,B\n", "line 3 of clues.csv has an empty "
                                                          "record_id"),
    ("NaN score", b"record_id,score\nP1,0.5\nP2,nan\n",
     "line 3 of clues.csv: score 'nan' is not a finite number"),
    ("NaN upper", b"record_id,score\nP1,NaN\n", "score 'NaN' is not a finite number"),
    ("inf score", b"record_id,score\nP1,inf\n", "score 'inf' is not a finite number"),
    ("-Infinity score", b"record_id,score\nP1,-Infinity\n", "is not a finite number"),
    ("overflowing score", b"record_id,score\nP1,1e999\n", "score '1e999' is not a finite number"),
    ("text score", b"record_id,score\nP1,high\n", "score 'high' is not a finite number"),
    ("underscore score", b"record_id,score\nP1,1_000\n", "score '1_000' is not a finite"),
    ("not UTF-8", "record_id\n湾沚\n".encode("gbk"), "clues.csv is not UTF-8 (byte offset 10)"),
    ("NUL byte", b"record_id\nP1\x00\n", "clues.csv contains NUL bytes at offset 12"),
    ("too many fields", b"record_id,reason\nP1,A,extra\n",
     "line 2 of clues.csv has 3 fields but the header has 2"),
    ("too few fields", b"record_id,reason,score\nP1,A\n", "has 2 fields but the header has 3"),
    ("unterminated quote", b'record_id,reason\n"P1,A\n', "clues.csv is not valid CSV"),
]


@pytest.mark.parametrize("content, expected", [c[1:] for c in BAD_OUTPUTS],
                         ids=[c[0] for c in BAD_OUTPUTS])
def test_bad_output_is_invalid(tmp_path, content, expected):
    path = tmp_path / "clues.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidOutput) as caught:
        parse_clues(path, max_bytes=MAX)
    assert expected in caught.value.reason
    assert "\n" not in caught.value.reason


def test_missing_symlink_directory_fifo(tmp_path):
    path = tmp_path / "clues.csv"
    with pytest.raises(InvalidOutput, match=r"no clues.csv was written to \$ARENA_OUTPUT"):
        parse_clues(path, max_bytes=MAX)
    target = tmp_path / "real.csv"
    target.write_text("record_id\nP1\n")
    os.symlink(target, path)
    with pytest.raises(InvalidOutput, match="clues.csv is a symbolic link; write a regular file"):
        parse_clues(path, max_bytes=MAX)
    os.unlink(path)
    path.mkdir()
    with pytest.raises(InvalidOutput, match="clues.csv is not a regular file"):
        parse_clues(path, max_bytes=MAX)
    path.rmdir()
    os.mkfifo(path)  # opening must not block waiting for a writer
    with pytest.raises(InvalidOutput, match="clues.csv is not a regular file"):
        parse_clues(path, max_bytes=MAX)


def test_over_the_size_limit(tmp_path):
    path = tmp_path / "clues.csv"
    path.write_bytes(b"record_id\n" + b"P1\n" * 100)
    assert len(parse_clues(path, max_bytes=310).predictions) == 1
    with pytest.raises(OutputTooLarge, match="clues.csv is 310 bytes, over the output limit of "
                                             "309 bytes"):
        parse_clues(path, max_bytes=309)


def test_good_output(tmp_path):
    content = ("\ufeffrecord_id , reason ,score\n"
               " P1 , ENV_UNDECLARED ,0.9\n"
               "NA,,\n"
               "null,X,1e-3\n"
               '"P,4",湾沚,-2\n'
               "\n").encode()
    path = tmp_path / "clues.csv"
    path.write_bytes(content)
    parsed = parse_clues(path, max_bytes=MAX)
    frame = parsed.predictions
    assert list(frame.columns) == ["record_id", "reason", "score"]
    assert frame["record_id"].tolist() == ["P1", "NA", "null", "P,4"]
    assert frame["reason"].tolist() == ["ENV_UNDECLARED", "", "X", "湾沚"]
    scores = frame["score"].tolist()
    assert scores[0] == 0.9 and math.isnan(scores[1]) and scores[2] == 0.001 and scores[3] == -2
    assert parsed.problems == ()
    assert parsed.sha256 == hashlib.sha256(content).hexdigest()


def test_optional_columns_and_header_only(tmp_path):
    path = tmp_path / "clues.csv"
    path.write_text("record_id\nP1\nP2\n")
    frame = parse_clues(path, max_bytes=MAX).predictions
    assert frame["reason"].tolist() == ["", ""] and frame["score"].isna().all()
    path.write_text("record_id,reason,score\n")
    parsed = parse_clues(path, max_bytes=MAX)
    assert parsed.predictions.empty and list(parsed.predictions.columns) == [
        "record_id", "reason", "score"]


def test_duplicates_merged_and_extra_columns_noted(tmp_path):
    path = tmp_path / "clues.csv"
    path.write_text("record_id,reason,score,why\n"
                    "P1,A,0.2,x\nP1,A,0.7,y\nP1, A ,,z\nP1,B,0.1,\nP2,,,\n")
    parsed = parse_clues(path, max_bytes=MAX)
    frame = parsed.predictions
    assert frame[["record_id", "reason"]].values.tolist() == [["P1", "A"], ["P1", "B"],
                                                             ["P2", ""]]
    assert frame["score"].tolist()[:2] == [0.7, 0.1]
    assert parsed.rows_read == 5
    assert parsed.problems == (
        "ignored extra columns in clues.csv: why",
        "merged 2 duplicate rows (same record_id and reason; the highest score is kept)",
    )
