"""The hidden token prompt of `connect` and `preflight`, in a real pseudo-terminal: the token
typed is never echoed, and giving none (Ctrl-D, Ctrl-C) is a one-line usage error."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.connect_servers import MOUNT, TOKEN, RunningServer
from tests.nasty.make_nasty import GRAPH_USER, good_csv


def _read_until_exit(master: int, process: subprocess.Popen[bytes], deadline: float) -> bytes:
    output = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    return output


PROMPT = b"Secret Token (hidden): "


def _start_in_a_terminal(
    *args: str, cwd: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """`motiscim ARGS…` (e.g. `connect URL`) with a pseudo-terminal as its controlling terminal
    (stdin, stdout and stderr too), and the terminal's other end to type into and read from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTIMATE_SCIM_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "200"})
    master, slave = pty.openpty()
    # getpass reads from the controlling terminal (/dev/tty): make the pty the child's own,
    # in the child itself (a new session, then TIOCSCTTY), before it becomes motiscim.
    become_terminal_owner = (
        "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
        "os.execv(sys.executable, [sys.executable, '-m', 'motiscim_cli', *sys.argv[1:]])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", become_terminal_owner, *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=cwd,
        close_fds=True,
    )
    os.close(slave)
    return process, master


def _read_prompt(master: int, deadline: float) -> bytes:
    # click writes "Secret Token (hidden):", then getpass turns echo off (discarding
    # anything typed before) and writes " ": type only after that space.
    prompt = b""
    while PROMPT not in prompt and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            prompt += os.read(master, 4096)
    assert PROMPT in prompt, prompt
    return prompt


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_the_token_is_read_from_a_hidden_prompt_and_never_echoed(
    scim_http: RunningServer,
) -> None:
    process, master = _start_in_a_terminal("connect", scim_http.base + MOUNT)
    try:
        deadline = time.monotonic() + 20
        prompt = _read_prompt(master, deadline)
        os.write(master, TOKEN.encode() + b"\n")
        output = prompt + _read_until_exit(master, process, deadline)
        assert process.wait(timeout=5) == 0, output
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    text = re.sub(r"\x1b\[[0-9;]*m", "", output.decode("utf-8", "replace"))  # no styles
    assert TOKEN not in text and TOKEN[:16] not in text and TOKEN[16:] not in text
    assert "Token       from the prompt (never shown)" in text
    assert "OK  HTTP 200 in" in text
    users = [r for r in scim_http.recorder.requests if "/Users?filter=" in r.path]
    assert len(users) == 2 and all(r.authorized for r in users)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("key", [b"\x04", b"\x03"], ids=["ctrl-d", "ctrl-c"])
def test_no_token_at_the_prompt_is_a_one_line_usage_error(
    scim_http: RunningServer, key: bytes
) -> None:
    """Ctrl-D (end of input) or Ctrl-C at the prompt: exit 2 and one line, like every other
    way of giving no token; not typer's "Aborted!" with exit 1, which means a failed
    connection here."""
    process, master = _start_in_a_terminal("connect", scim_http.base + MOUNT)
    try:
        deadline = time.monotonic() + 20
        _read_prompt(master, deadline)
        os.write(master, key)
        output = _read_until_exit(master, process, deadline)
        assert process.wait(timeout=5) == 2, output
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    # the terminal turns the prompt's own line break into CR LF
    assert output.decode("utf-8", "replace").splitlines() == [
        "",  # getpass leaves the prompt's line when input ends
        "motiscim connect: No token entered at the prompt: type or paste the Secret Token, "
        "set MOTIMATE_SCIM_TOKEN, or pass --token-file FILE.",
    ]
    assert scim_http.recorder.requests == []


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("key", [b"\x04", b"\x03"], ids=["ctrl-d", "ctrl-c"])
def test_preflight_no_token_at_the_prompt_is_a_one_line_usage_error(
    scim_http: RunningServer, tmp_path: Path, key: bytes
) -> None:
    """preflight asks with the same prompt as connect: no token is exit 2 and one line, before
    the export is checked or anything is sent."""
    (tmp_path / "users.csv").write_bytes(good_csv())
    process, master = _start_in_a_terminal(
        "preflight", "users.csv", "--tenant-url", scim_http.base + MOUNT,
        "-u", GRAPH_USER["userPrincipalName"], cwd=tmp_path,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        _read_prompt(master, deadline)
        os.write(master, key)
        output = _read_until_exit(master, process, deadline)
        assert process.wait(timeout=5) == 2, output
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert output.decode("utf-8", "replace").splitlines() == [
        "",  # getpass leaves the prompt's line when input ends
        "motiscim preflight: No token entered at the prompt: type or paste the Secret Token, "
        "set MOTIMATE_SCIM_TOKEN, or pass --token-file FILE.",
    ]
    assert scim_http.recorder.requests == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.csv"]  # nothing written
