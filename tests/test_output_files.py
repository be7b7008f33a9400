"""Files motiscim writes: atomically, never over an input, never over an existing file without
--force, and a clear one-line refusal (exit 2) before any work when the output cannot be written.

Every command that writes is run for real (CliRunner, real files in tmp_path)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from motiscim_cli.app import app
from motiscim_cli.files import (
    OutputRefused,
    WriteFailed,
    prepare_output,
    write_bytes_atomic,
    write_files_atomic,
)
from tests.connect_servers import MOUNT, RunningServer, closed_port
from tests.nasty.make_nasty import GRAPH_USER, good_csv

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "sample_exports" / "entra-provisioning-schema-guide.json"
UPN = GRAPH_USER["userPrincipalName"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "users.csv").write_bytes(good_csv())
    (tmp_path / "motiscim.yaml").write_text("", encoding="utf-8")
    shutil.copy(SCHEMA, tmp_path / "schema.json")
    return tmp_path


def invoke(*args: str) -> Result:
    env = {"MOTIMATE_SCIM_TOKEN": "Tk7qZ3mW9xYb2LcN4vRp8sJd6HfG1aQe", "NO_COLOR": "1",
           "MOTIMATE_SCIM_TENANT_URL": None, "GITHUB_ACTIONS": ""}  # fmt: skip
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


DEAD_URL = f"http://127.0.0.1:{closed_port()}/scim/v1"

# command -> (arguments before the output option, the output option, exit code when written)
COMMANDS: dict[str, tuple[list[str], str, int]] = {
    "check": (["check", "users.csv", "--format", "json"], "--output", 0),
    "mapping": (["mapping", "schema.json", "--format", "json"], "--output", 0),
    "connect": (["connect", DEAD_URL, "--format", "json", "--timeout", "1"], "--output", 1),
    "email": (["email", "users.csv", "-u", UPN], "--output", 0),
    "email --eml": (["email", "users.csv", "-u", UPN], "--eml", 0),
    "preflight": (["preflight", "users.csv", "-u", UPN, "--format", "json"], "--output", 0),
    "preflight --eml": (["preflight", "users.csv", "-u", UPN], "--eml", 0),
    "fix --script": (["fix", "users.csv"], "--script", 0),
    "fix --csv": (["fix", "users.csv"], "--csv", 0),
    "fix --findings": (["fix", "users.csv"], "--findings", 0),
}
INPUT_OF = {"mapping": "schema.json", "connect": "motiscim.yaml"}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_writes_a_new_file_atomically(workdir: Path, name: str) -> None:
    args, option, code = COMMANDS[name]
    result = invoke(*args, option, "out.file")
    assert result.exit_code == code, result.output
    written = workdir / "out.file"
    assert written.stat().st_size > 0
    assert leftovers(workdir) == []
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_never_over_the_input(workdir: Path, name: str) -> None:
    args, option, _ = COMMANDS[name]
    victim = INPUT_OF.get(name.split()[0], "users.csv")
    before = (workdir / victim).read_bytes()
    for spelling in (victim, f"./{victim}", str(workdir / victim)):
        result = invoke(*args, option, spelling, "--force")
        assert result.exit_code == 2, (spelling, result.output)
        [line] = result.stderr.splitlines()
        # Path-typed options arrive normalised (./users.csv -> users.csv): either spelling
        assert line.startswith("motiscim") and f"{option} " in line and victim in line, line
        assert (
            "is one of the inputs" in line and "motiscim never writes over its inputs" in line
        ) or "is the input file: motiscim never overwrites the input" in line, line
        assert (workdir / victim).read_bytes() == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_never_over_an_input_through_a_symlink(workdir: Path, name: str) -> None:
    args, option, _ = COMMANDS[name]
    (workdir / "link.out").symlink_to(workdir / "users.csv")
    before = (workdir / "users.csv").read_bytes()
    result = invoke(*[a.replace("users.csv", "link.out") for a in args], option, "users.csv",
                    "--force")  # fmt: skip
    if name in ("mapping", "connect"):  # users.csv is not one of their inputs: replaced
        assert result.exit_code in (0, 1)
        assert (workdir / "link.out").is_symlink()
        return
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1
    assert (workdir / "users.csv").read_bytes() == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_never_over_an_existing_file_without_force(workdir: Path, name: str) -> None:
    args, option, code = COMMANDS[name]
    (workdir / "report.out").write_bytes(b"keep me")
    result = invoke(*args, option, "report.out")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.endswith(
        ("report.out already exists; pass --force to replace it.",
         "report.out already exists: use --force to overwrite it")
    ), line  # fmt: skip
    assert (workdir / "report.out").read_bytes() == b"keep me"
    (workdir / "report.out").chmod(0o640)
    replaced = invoke(*args, option, "report.out", "--force")
    assert replaced.exit_code == code, replaced.output
    assert (workdir / "report.out").read_bytes() != b"keep me"
    assert stat.S_IMODE((workdir / "report.out").stat().st_mode) == 0o640
    assert leftovers(workdir) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_directory_or_a_missing_directory_is_one_line(workdir: Path, name: str) -> None:
    args, option, _ = COMMANDS[name]
    (workdir / "reports").mkdir()
    directory = ("reports is a directory; give a file name.", "reports is a directory: name a file")
    for target, ending in (
        ("reports", directory),
        ("nowhere/r.out", ("nowhere/r.out: the directory nowhere does not exist.",)),
    ):
        result = invoke(*args, option, target, "--force")
        assert result.exit_code == 2, result.output
        [line] = result.stderr.splitlines()
        assert line.startswith("motiscim") and line.endswith(ending), line
    assert sorted(p.name for p in (workdir / "reports").iterdir()) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("force", [False, True], ids=["", "force"])
def test_a_trailing_slash_names_a_directory_and_is_one_line(
    workdir: Path, name: str, force: bool
) -> None:
    """`-o nodir/` names a directory: refused in one line, never written as a file 'nodir'
    (pathlib drops the trailing slash, so it is checked as typed)."""
    args, option, _ = COMMANDS[name]
    (workdir / "reports").mkdir()
    missing = (f"{option} nodir/ names a directory that does not exist; give a file name.",
               f"{option} nodir/ names a directory that does not exist: name a file")  # fmt: skip
    existing = (f"{option} reports/ is a directory; give a file name.",
                f"{option} reports/ is a directory: name a file")  # fmt: skip
    for target, endings in (
        ("nodir/", missing),
        ("nodir/.", tuple(e.replace("nodir/", "nodir/.") for e in missing)),
        ("reports/", existing),
        ("users.csv/", tuple(e.replace("nodir/", "users.csv/") for e in missing)),
    ):
        result = invoke(*args, option, target, *(["--force"] if force else []))
        assert (result.exit_code, result.stdout) == (2, ""), (target, result.output)
        [line] = result.stderr.splitlines()
        assert line.startswith("motiscim") and line.endswith(endings), line
    assert sorted(p.name for p in workdir.iterdir()) == [
        "motiscim.yaml",
        "reports",
        "schema.json",
        "users.csv",
    ]
    assert list((workdir / "reports").iterdir()) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_an_empty_file_name_is_one_line(workdir: Path, name: str) -> None:
    # Path("") is ".", so '' was refused as "a directory" (or, for init, as existing)
    args, option, _ = COMMANDS[name]
    result = invoke(*args, option, "", "--force")
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("motiscim") and line.endswith(
        f"{option} is an empty file name; give a file name."
    ), line
    ran = invoke("init", "")
    assert (ran.exit_code, ran.stderr) == (
        2,
        "motiscim: the config file is an empty file name; give a file name.\n",
    )
    assert sorted(p.name for p in workdir.iterdir()) == [
        "motiscim.yaml",
        "schema.json",
        "users.csv",
    ]


def test_init_refuses_a_trailing_slash(workdir: Path) -> None:
    (workdir / "conf").mkdir()
    for target, reason in (
        ("nodir/", "nodir/ names a directory that does not exist; give a file name."),
        ("conf/", "conf/ is a directory; give a file name."),
    ):
        result = invoke("init", target, "--force")
        assert (result.exit_code, result.stderr) == (2, f"motiscim: the config file {reason}\n")
    assert sorted(p.name for p in workdir.iterdir()) == [
        "conf",
        "motiscim.yaml",
        "schema.json",
        "users.csv",
    ]
    assert list((workdir / "conf").iterdir()) == []


TOO_LONG = "r" * 300 + ".out"  # a name over NAME_MAX (255 bytes): stat() fails ENAMETOOLONG


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_name_too_long_for_the_file_system_is_one_line(workdir: Path, name: str) -> None:
    args, option, _ = COMMANDS[name]
    result = invoke(*args, option, TOO_LONG)  # catch_exceptions=False: a traceback fails here
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("motiscim"), line
    assert line.endswith(f"{option} {TOO_LONG} cannot be written: File name too long."), line
    assert result.stdout == ""
    assert sorted(p.name for p in workdir.iterdir()) == [
        "motiscim.yaml",
        "schema.json",
        "users.csv",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "r" * 250 + ".out",  # 254 bytes: fits, but '.<name>.XXXXXXXX.tmp' would not
        "€" * 85,  # 255 bytes, 3 a character: the temporary name is cut inside one
    ],
    ids=["ascii", "multibyte"],
)
def test_a_name_that_fits_the_file_system_is_written(workdir: Path, name: str) -> None:
    result = invoke("check", "users.csv", "--format", "json", "--output", name)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"motiscim: report written to {name}\n"
    assert b'"schema": "motiscim.report/v1"' in (workdir / name).read_bytes()
    assert leftovers(workdir) == []


def test_connect_refuses_a_name_too_long_before_sending_anything(
    workdir: Path, scim_http: RunningServer
) -> None:
    result = invoke("connect", scim_http.base + MOUNT, "--output", TOO_LONG)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"motiscim: --output {TOO_LONG} cannot be written: File name too long.\n",
    )
    assert scim_http.recorder.requests == []  # refused before connecting: nothing was sent


def test_init_refuses_a_name_too_long(workdir: Path) -> None:
    result = invoke("init", TOO_LONG)
    assert (result.exit_code, result.stderr) == (
        2,
        f"motiscim: the config file {TOO_LONG} cannot be written: File name too long.\n",
    )


def _limit_file_size() -> None:
    # A file-size limit makes writes fail with EFBIG even for root (a full disk, in effect).
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_write_that_fails_is_one_line_and_leaves_nothing(workdir: Path, name: str) -> None:
    args, option, _ = COMMANDS[name]
    (workdir / "r.out").write_bytes(b"old")
    done = subprocess.run(
        [sys.executable, "-m", "motiscim_cli", *args, option, "r.out", "--force"],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        env={**os.environ, "MOTIMATE_SCIM_TOKEN": "Tk7qZ3mW9xYb2LcN4vRp8sJd6HfG1aQe",
             "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("motiscim") and "cannot write r.out: File too large" in last, last
    assert "Traceback" not in done.stderr
    assert (workdir / "r.out").read_bytes() == b"old"
    assert leftovers(workdir) == []


def test_check_writes_into_a_pipe_in_place(workdir: Path) -> None:
    """`-o /dev/stdout` and named pipes are written, not replaced by a regular file."""
    pipe = workdir / "report.pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    result = invoke("check", "users.csv", "--format", "json", "--output", str(pipe))
    reader.join()
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert b'"schema": "motiscim.report/v1"' in received[0]


def test_init_refuses_a_directory_and_a_missing_directory(workdir: Path) -> None:
    (workdir / "conf").mkdir()
    (workdir / "conf" / "inside").write_text("kept")
    for force in ([], ["--force"]):  # without --force it once said "conf exists; use --force"
        result = invoke("init", "conf", *force)
        assert (result.exit_code, result.stderr) == (
            2,
            "motiscim: the config file conf is a directory; give a file name.\n",
        )
    assert [p.name for p in (workdir / "conf").iterdir()] == ["inside"]
    result = invoke("init", "nowhere/motiscim.yaml")
    assert (result.exit_code, result.stderr) == (
        2,
        "motiscim: the config file nowhere/motiscim.yaml: the directory nowhere does not exist.\n",
    )


# ---- the shared functions ----------------------------------------------------------------------


def test_prepare_output(tmp_path: Path) -> None:
    export = tmp_path / "users.csv"
    export.write_bytes(b"x")
    assert prepare_output(None, inputs=[export]) is None
    assert prepare_output("-", inputs=[export]) is None
    assert prepare_output(tmp_path / "new.json", inputs=[export, None]) == tmp_path / "new.json"
    assert prepare_output(export, inputs=[], force=True) == export
    with pytest.raises(OutputRefused, match=r"is one of the inputs \(.*users\.csv\)"):
        prepare_output(tmp_path / "sub" / ".." / "users.csv", inputs=[export], force=True)
    with pytest.raises(OutputRefused, match=r"^--eml .* already exists; pass --force"):
        prepare_output(export, what="--eml")
    with pytest.raises(
        OutputRefused, match=r"^--output 'a\\x00b' cannot be written: embedded null"
    ):
        prepare_output("a\x00b")  # from a config file or a caller: argv cannot hold a NUL


def test_write_bytes_atomic_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    class Boom(bytes):
        pass

    with pytest.raises(TypeError):
        write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []
    write_bytes_atomic(target, Boom(b"new"))
    assert target.read_bytes() == b"new"


def test_write_files_atomic_writes_all_or_nothing(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_bytes(b"old")
    missing = tmp_path / "nodir" / "c.txt"
    for failing in (missing, tmp_path):  # no directory to stage in; a directory as the target
        with pytest.raises(WriteFailed) as caught:
            write_files_atomic([(str(first), b"new"), (str(second), b"2"), (str(failing), b"3")])
        assert caught.value.path == str(failing)
        assert first.read_bytes() == b"old"
        assert not second.exists()
        assert leftovers(tmp_path) == []
    assert caught.value.reason == "Is a directory"
    write_files_atomic([(str(first), b"new"), (str(second), b"2")])
    assert (first.read_bytes(), second.read_bytes()) == (b"new", b"2")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "name", [n for n, (_, option, _) in COMMANDS.items() if option == "--output"]
)
def test_a_dash_as_output_is_standard_output(workdir: Path, name: str) -> None:
    # `connect -o -` wrote a file named '-', where every other command writes to stdout.
    args, option, code = COMMANDS[name]
    result = invoke(*args, option, "-")
    assert result.exit_code == code, result.output
    assert not (workdir / "-").exists()
    assert result.stdout.strip(), "the report goes to standard output"


# ---- standard output that cannot be written ----------------------------------------------------

# Every command with what it prints on stdout: each writes its report (or summary) there.
STDOUT_COMMANDS: dict[str, list[str]] = {
    **{f"check {f}": ["check", "users.csv", "--format", f] for f in (
        "table", "json", "jsonl", "github", "junit", "sarif", "csv", "markdown", "html")},
    "check --quiet": ["check", "users.csv", "--quiet"],
    "rules": ["rules"],
    "rules P001": ["rules", "P001"],
    "--help": ["--help"],
    "--version": ["--version"],
    "check --help": ["check", "--help"],
    "connect": ["connect", DEAD_URL, "--timeout", "1"],
    "connect json": ["connect", DEAD_URL, "--timeout", "1", "--format", "json"],
    "mapping": ["mapping", "schema.json"],
    "mapping json": ["mapping", "schema.json", "--format", "json"],
    "email": ["email", "users.csv", "-u", UPN],
    "preflight": ["preflight", "users.csv", "-u", UPN],
    "preflight json": ["preflight", "users.csv", "-u", UPN, "--format", "json"],
    "fix": ["fix", "users.csv", "--script", "fix.ps1"],
}  # fmt: skip
CLI_ENV = {**os.environ, "MOTIMATE_SCIM_TOKEN": "Tk7qZ3mW9xYb2LcN4vRp8sJd6HfG1aQe", "NO_COLOR": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "GITHUB_ACTIONS": ""}  # fmt: skip


def run_cli(args: list[str], stdout: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "motiscim_cli", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=CLI_ENV,
        check=False,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("name", sorted(STDOUT_COMMANDS))
def test_a_full_stdout_is_one_line_and_exit_2(workdir: Path, name: str) -> None:
    """`> /dev/full`: every write fails ENOSPC. One line that says stdout, never a traceback
    and never 'cannot write None'."""
    with open("/dev/full", "wb") as full:
        done = run_cli(STDOUT_COMMANDS[name], full.fileno(), workdir)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1:] == [
        "motiscim: cannot write to standard output: No space left on device"
    ], done.stderr
    assert "Traceback" not in done.stderr and "None" not in done.stderr, done.stderr


@pytest.mark.parametrize("name", sorted(STDOUT_COMMANDS))
def test_a_closed_pipe_ends_quietly(workdir: Path, name: str) -> None:
    """The reader is gone before the first write (`| head -0`): no traceback, no message, exit
    141 (128 + SIGPIPE, what the shell shows for `cat` in the same place; not 1, 'not ready')."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = run_cli(STDOUT_COMMANDS[name], writer, workdir)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (141, "")


def test_a_pipe_closed_while_the_report_streams_ends_quietly(workdir: Path) -> None:
    """`motiscim check big.csv | head -1`: the reader stops after a line while the report is
    still being written (far more than a pipe holds), also when stdout is streamed."""
    from bench.generate import write_csv

    with (workdir / "big.csv").open("w", encoding="utf-8", newline="") as out:
        write_csv(out, 3_000, 8)
    for output_format in ("json", "jsonl", "csv", "github"):
        process = subprocess.Popen(
            [sys.executable, "-m", "motiscim_cli", "check", "big.csv", "--format", output_format],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=CLI_ENV,
        )
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        assert (process.wait(), stderr) == (141, b""), output_format
