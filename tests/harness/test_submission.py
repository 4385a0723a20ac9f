"""submission.toml validation: a table of bad manifests, each with its exact one-line error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.errors import ArenaError, SubmissionError, UnknownNameError
from harness.submission import ALLOWED_KEYS, Submission, content_hash, load_submission
from synthetic.registry import CONTRACT_POINTS

MODEL = "def detect(point, tables, context):\n    return None\n"
POINTS = ", ".join(CONTRACT_POINTS)
KEYS = ", ".join(ALLOWED_KEYS)

# (id, manifest overrides, files, expected message after "<submission.toml>: ")
BAD_MANIFESTS = [
    ("missing team", {"team": None}, {},
     "field 'team': is missing — add team = \"湾沚区院一部\""),
    ("empty team", {"team": "  "}, {},
     "field 'team': is empty — fill it in: team = \"湾沚区院一部\""),
    ("team not a string", {"team": 7}, {},
     "field 'team': must be a string; got 7 (an integer) — quote it: team = \"湾沚区院一部\""),
    ("missing name", {"name": None}, {},
     "field 'name': is missing — add name = \"env-tax-rules\""),
    ("version as a number", {"version": 1.0}, {},
     "field 'version': must be a string; got 1.0 (a number) — quote it: version = \"1.0\""),
    ("points missing", {"points": None}, {},
     "field 'points': is missing — add points = [\"env_tax\"]"),
    ("points a string", {"points": "env_tax"}, {},
     "field 'points': must be a list of point names; got the string 'env_tax' — write "
     "points = [\"env_tax\"]"),
    ("points empty", {"points": []}, {},
     "field 'points': is empty — name at least one point: points = [\"env_tax\"]"),
    ("points not strings", {"points": [1, 2]}, {},
     "field 'points': must be a list of point names; got [1, 2] — write it as "
     "points = [\"env_tax\"]"),
    ("unknown point", {"points": ["env_taxx"]}, {},
     f"field 'points': Unknown point 'env_taxx'. Did you mean 'env_tax'? Available: {POINTS}"),
    ("duplicate point", {"points": ["env_tax", "env_tax"]}, {},
     "field 'points': names env_tax more than once — list each point once"),
    ("missing language", {"language": None, "entrypoint": None}, {},
     "field 'language': is missing — add language = \"python\""),
    ("unknown language", {"language": "pyhton"}, {},
     "field 'language': Unknown language 'pyhton'. Did you mean 'python'? Available: python, "
     "sql, command"),
    ("unknown key", {"langauge": "python"}, {},
     f"field 'langauge': Unknown key 'langauge'. Did you mean 'language'? Available: {KEYS}"),
    ("python without entrypoint", {"entrypoint": None}, {},
     "field 'entrypoint': is missing — python submissions name their module: "
     "entrypoint = \"model.py\""),
    ("entrypoint file missing", {"entrypoint": "model.py"}, {"other.py": MODEL},
     "field 'entrypoint': model.py does not exist in the submission directory — create "
     "{dir}/model.py defining detect(point, tables, context)"),
    ("entrypoint not .py", {"entrypoint": "model"}, {},
     "field 'entrypoint': must name a .py file; got 'model' — e.g. entrypoint = \"model.py\""),
    ("entrypoint escapes", {"entrypoint": "../model.py"}, {},
     "field 'entrypoint': must be a path relative to the submission directory; got "
     "'../model.py' — name a file inside the submission, e.g. \"model.py\""),
    ("entrypoint wrong type", {"entrypoint": ["model.py"]}, {},
     "field 'entrypoint': must be a string such as \"model.py\"; got ['model.py'] (a list) — "
     "write it as a string such as \"model.py\""),
    ("entrypoint for sql", {"language": "sql", "entrypoint": "model.py"},
     {"queries/env_tax.sql": "select 1 as record_id"},
     "field 'entrypoint': is only used by python submissions — remove it, or set "
     "language = \"python\" (now \"sql\")"),
    ("sql without query", {"language": "sql", "points": ["env_tax", "legal_aid"]},
     {"queries/env_tax.sql": "select 1 as record_id"},
     "field 'points': sql submissions need queries/legal_aid.sql for point 'legal_aid' — create "
     "{dir}/queries/legal_aid.sql with one SELECT returning record_id, reason, score"),
    ("sql empty query", {"language": "sql"}, {"queries/env_tax.sql": "  \n"},
     "field 'points': queries/env_tax.sql is empty — write the SELECT for 'env_tax' in "
     "{dir}/queries/env_tax.sql"),
    ("command missing", {"language": "command"}, {},
     "field 'command': is missing — command submissions name what to execute: "
     "command = [\"./run\"]"),
    ("command empty", {"language": "command", "command": []}, {},
     "field 'command': is empty — name the program and its arguments: command = [\"./run\"]"),
    ("command not strings", {"language": "command", "command": ["./run", 3]}, {"run": "x"},
     "field 'command': must be a list of non-empty strings; got ['./run', 3] — write it as "
     "command = [\"./run\"]"),
    ("command a string", {"language": "command", "command": "./run"}, {},
     "field 'command': must be a list of strings such as [\"./run\"]; got './run' (a string) — "
     "write it as a list of strings such as [\"./run\"]"),
    ("command program missing", {"language": "command", "command": ["./run"]}, {},
     "field 'command': ./run does not exist in the submission directory — add the program "
     "{dir}/run, or fix the path"),
    ("command not executable", {"language": "command", "command": ["./run"]},
     {"run": "#!/bin/sh\n"},
     "field 'command': ./run is not executable — run `chmod +x {dir}/run`"),
    ("command for python", {"command": ["./run"]}, {"model.py": MODEL},
     "field 'command': is only used by command submissions — remove it, or set "
     "language = \"command\" (now \"python\")"),
    ("baseline not bool", {"baseline": "yes"}, {"model.py": MODEL},
     "field 'baseline': must be true or false; got 'yes' (a string) — write it as true or false"),
    ("description not str", {"description": 3}, {"model.py": MODEL},
     "field 'description': must be a string; got 3 (an integer) — write it as a string"),
    ("regression not a table", {"regression": "x"}, {"model.py": MODEL},
     "field 'regression': must be a table: [regression]; got 'x' (a string) — write it as a "
     "table: [regression]"),
]


@pytest.mark.parametrize("overrides, files, expected",
                         [case[1:] for case in BAD_MANIFESTS], ids=[c[0] for c in BAD_MANIFESTS])
def test_bad_manifest_gives_one_line_naming_file_and_field(make_submission, overrides, files,
                                                           expected):
    path = make_submission(files, **overrides).resolve()
    with pytest.raises(ArenaError) as caught:
        load_submission(path)
    message = str(caught.value)
    assert message == f"{path / 'submission.toml'}: " + expected.replace("{dir}", str(path))
    assert "\n" not in message
    assert isinstance(caught.value, (SubmissionError, UnknownNameError))


def test_missing_directory_and_manifest(tmp_path):
    with pytest.raises(SubmissionError, match="submission directory does not exist"):
        load_submission(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionError) as caught:
        load_submission(tmp_path / "empty")
    assert str(caught.value).startswith(f"{tmp_path / 'empty' / 'submission.toml'}: "
                                        f"submission.toml is missing — create it")


def test_toml_syntax_error_names_the_line(tmp_path):
    (tmp_path / "submission.toml").write_text('team = "a"\nname = \n', encoding="utf-8")
    with pytest.raises(SubmissionError) as caught:
        load_submission(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'submission.toml'}: is not valid TOML: ")
    assert "line 2" in message and message.endswith("— fix the syntax at that line")


def test_manifest_not_utf8(tmp_path):
    (tmp_path / "submission.toml").write_bytes('team = "湾沚"\n'.encode("gbk"))
    with pytest.raises(SubmissionError, match="is not UTF-8 text — save the file as UTF-8"):
        load_submission(tmp_path)


def test_valid_python_submission(make_submission):
    path = make_submission({"model.py": MODEL, "helpers/util.py": "X = 1\n"},
                           points=["env_tax", "legal_aid"], baseline=True,
                           description="rules", regression={"min_f1": 0.9})
    sub = load_submission(path)
    assert isinstance(sub, Submission)
    assert (sub.team, sub.name, sub.version) == ("测试队", "test-model", "1.0")
    assert sub.points == ("env_tax", "legal_aid") and sub.language == "python"
    assert sub.entrypoint == "model.py" and sub.command is None and sub.baseline is True
    assert sub.path == path.resolve() and len(sub.content_hash) == 64
    assert sub.covers("legal_aid") and not sub.covers("farmland_tax")


def test_valid_sql_and_command_submissions(make_submission):
    sql = load_submission(make_submission({"queries/env_tax.sql": "select 1 as record_id"},
                                          language="sql"))
    assert sql.language == "sql" and sql.entrypoint is None and sql.command is None
    path = make_submission({"run": "#!/bin/sh\n"}, language="command",
                           command=["./run", "--fast"])
    os.chmod(path / "run", 0o755)
    command = load_submission(path)
    assert command.command == ("./run", "--fast") and command.entrypoint is None
    bare = load_submission(make_submission({"m.py": ""}, language="command",
                                           command=["python", "m.py"]))
    assert bare.command == ("python", "m.py")


def test_content_hash_is_stable_and_ignores_caches(make_submission, tmp_path):
    files = {"model.py": MODEL, "lib/a.py": "A = 1\n"}
    first = load_submission(make_submission(files, dirname="one"))
    second = load_submission(make_submission(files, dirname="two"))
    assert first.content_hash == second.content_hash
    (second.path / "__pycache__").mkdir()
    (second.path / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\0junk")
    (second.path / "lib" / "a.pyc").write_bytes(b"junk")
    (second.path / ".git").mkdir()
    (second.path / ".git" / "HEAD").write_text("ref")
    assert content_hash(second.path) == first.content_hash
    (second.path / "lib" / "a.py").write_text("A = 2\n")
    assert content_hash(second.path) != first.content_hash
    # a file moved to another name changes the hash even with the same bytes
    (first.path / "lib" / "a.py").rename(first.path / "lib" / "b.py")
    assert content_hash(first.path) != load_submission(make_submission(files)).content_hash


def test_symlinks_inside_are_allowed_outside_rejected(make_submission, tmp_path):
    path = make_submission({"model.py": MODEL, "data/x.txt": "x"})
    os.symlink("data/x.txt", path / "link.txt")
    assert load_submission(path).content_hash
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    os.symlink(os.path.relpath(secret, path), path / "escape.txt")
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    assert str(caught.value).startswith(f"{path.resolve() / 'escape.txt'}: is a symbolic link "
                                        f"pointing outside the submission")
    os.unlink(path / "escape.txt")
    os.symlink(str(path / "model.py"), path / "absolute.py")
    with pytest.raises(SubmissionError, match="is an absolute symbolic link"):
        load_submission(path)
    os.unlink(path / "absolute.py")
    os.symlink("../../..", path / "up")
    with pytest.raises(SubmissionError, match="pointing outside the submission"):
        load_submission(path)


def test_entrypoint_symlink_escaping_is_rejected(make_submission, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(MODEL)
    path = make_submission({})
    os.symlink(os.path.relpath(outside, path), path / "model.py")
    with pytest.raises(SubmissionError, match="field 'entrypoint': 'model.py' points outside"):
        load_submission(path)


def test_special_files_are_rejected(make_submission):
    path = make_submission({"model.py": MODEL})
    os.mkfifo(path / "pipe")
    with pytest.raises(SubmissionError,
                       match="pipe: is not a regular file, directory or link — remove it"):
        load_submission(path)


def test_submission_is_frozen(make_submission):
    sub = load_submission(make_submission({"model.py": MODEL}))
    with pytest.raises(AttributeError):
        sub.team = "x"  # type: ignore[misc]
    assert Path(sub.manifest_path).name == "submission.toml"
