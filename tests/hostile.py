"""Running the command line as a hostile user would meet it: bounded in time and memory.

`run_bounded` runs `kiemdiem ARGS` in a process of its own. `Drivers` runs many such commands in a few long-lived
processes, one command after another, each exactly as the installed command runs it (`entrypoints.cli.main` with
the command's argv, environment, working directory, stdin on /dev/null and its own stdout and stderr, both files
written at the file-descriptor level), under the same address-space limit: the hostile-input corpus runs hundreds of
commands, and starting Python with SQLAlchemy, Alembic, Typer and pydantic for each cost most of its time.

Either way a file that makes the program hang or eat memory fails the test (timeout, or the address-space limit
turns a runaway allocation into a MemoryError the CLI must report as a clean failure) instead of taking the whole
suite down with it. A driver that overruns a command's time is killed; one that dies (a crash, a signal) leaves that
command failed with its exit status and whatever it printed; one whose command ended in anything but exit 0 or 2 is
retired; the commands left go to a fresh process.
"""

from __future__ import annotations

import contextlib
import json
import locale
import os
import queue
import resource
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_CLI = "import sys; from entrypoints.cli import main; sys.argv[0] = 'kiemdiem'; main()"
MAIN = "entrypoints.cli:main"


@dataclass
class Bounded:
    exit_code: int
    stdout: str
    stderr: str

    def __bool__(self) -> bool:
        raise TypeError("assert on .exit_code and output, not on the result object")

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _limit(memory_mb: int) -> Any:
    def limit() -> None:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return limit


def run_bounded(
    args: Sequence[str | Path],
    env: dict[str, str],
    *,
    timeout: float = 60,
    memory_mb: int = 1536,
) -> Bounded:
    """`kiemdiem ARGS` in its own process with at most `memory_mb` of address space; raises
    subprocess.TimeoutExpired (a failed test) when it runs longer than `timeout` seconds."""
    done = subprocess.run(
        [sys.executable, "-c", _CLI, *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=timeout,
        preexec_fn=_limit(memory_mb),
        stdin=subprocess.DEVNULL,
    )
    return Bounded(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Call:
    """One command for `Drivers.run_all`: `kiemdiem ARGS` with `env` over this process's environment."""

    args: Sequence[str | Path]
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 60


class Driver:
    """One process that runs commands one after another (see the module's docstring); not thread-safe."""

    def __init__(self, memory_mb: int, main: str = MAIN) -> None:
        self.memory_mb, self.main = memory_mb, main
        self.folder = Path(tempfile.mkdtemp(prefix="kiemdiem-driver-"))
        self.process: subprocess.Popen[str] | None = None
        self.started = 0  # processes started, for the tests of this runner

    def run(self, args: Sequence[str | Path], env: dict[str, str], timeout: float = 60) -> Bounded:
        """`kiemdiem ARGS`; raises subprocess.TimeoutExpired after `timeout` seconds, as `run_bounded` does."""
        out, err = self.folder / "stdout", self.folder / "stderr"
        out.unlink(missing_ok=True)
        err.unlink(missing_ok=True)
        request = {"args": list(map(str, args)), "env": {**os.environ, **env}, "stdout": str(out), "stderr": str(err)}
        process = self._send(json.dumps(request) + "\n")
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], timeout)
        if not readable:
            self.close()
            raise subprocess.TimeoutExpired(["kiemdiem", *request["args"]], timeout)
        line = process.stdout.readline()
        if line:
            exit_code, died = json.loads(line)["exit_code"], ""
        else:  # the driver died during the command: its status is the command's
            exit_code, died = process.wait(), (self.folder / "driver.log").read_text(errors="replace")
            self.process = None
        if exit_code not in (0, 2):  # whatever went wrong stays with this command: the next one gets a new process
            self.close()
        return Bounded(exit_code, _text(out), _text(err) + died)

    def _send(self, line: str) -> subprocess.Popen[str]:
        for _attempt in range(2):
            if self.process is None or self.process.poll() is not None:
                self._start()
            assert self.process is not None and self.process.stdin is not None
            try:
                self.process.stdin.write(line)
                self.process.stdin.flush()
                return self.process
            except BrokenPipeError:  # it died between commands: a new one
                self.process = None
        raise RuntimeError(f"the driver does not start:\n{(self.folder / 'driver.log').read_text(errors='replace')}")

    def _start(self) -> None:
        with open(self.folder / "driver.log", "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", f"from tests.hostile import _drive; _drive({self.main!r})"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
                cwd=ROOT,
                preexec_fn=_limit(self.memory_mb),
            )
        self.started += 1

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            for pipe in (self.process.stdin, self.process.stdout):
                if pipe is not None:
                    pipe.close()
            self.process = None

    def remove(self) -> None:
        self.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class Drivers:
    """A few drivers side by side (`workers`), for many commands."""

    def __init__(self, workers: int = 2, memory_mb: int = 1536, main: str = MAIN) -> None:
        self.all = [Driver(memory_mb, main) for _ in range(workers)]
        self.idle: queue.Queue[Driver] = queue.Queue()
        for driver in self.all:
            self.idle.put(driver)

    def run(self, args: Sequence[str | Path], env: dict[str, str], timeout: float = 60) -> Bounded:
        driver = self.idle.get()
        try:
            return driver.run(args, env, timeout)
        finally:
            self.idle.put(driver)

    def run_all(self, calls: Iterable[Call]) -> list[Bounded | str]:
        """Each call's run, or why it did not finish; in the order given, run as drivers come free."""

        def one(call: Call) -> Bounded | str:
            try:
                return self.run(call.args, call.env, call.timeout)
            except subprocess.TimeoutExpired:
                return f"did not finish in {call.timeout} s"
            except UnicodeDecodeError as error:
                return f"wrote what is not text in {locale.getpreferredencoding(False)}: {error}"

        with ThreadPoolExecutor(max_workers=len(self.all)) as pool:
            return list(pool.map(one, calls))

    def close(self) -> None:
        for driver in self.all:
            driver.remove()


@contextlib.contextmanager
def drivers(workers: int = 2, memory_mb: int = 1536, main: str = MAIN) -> Iterator[Drivers]:
    running = Drivers(workers, memory_mb, main)
    try:
        yield running
    finally:
        running.close()


def _text(path: Path) -> str:
    """A command's output as `run_bounded` reads it (subprocess's text mode), but with every \\r left in."""
    return path.read_bytes().decode(locale.getpreferredencoding(False)) if path.exists() else ""


def _drive(target: str) -> None:
    """The driver process: reads one command a line on stdin, runs it, writes `{"exit_code": N}` a line on stdout."""
    import gc
    import importlib
    import logging
    import warnings

    commands = os.fdopen(os.dup(0), "r", encoding="utf-8")
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    log = os.dup(2)
    os.dup2(null, 0)
    os.dup2(null, 1)
    module, _, function = target.partition(":")
    main = getattr(importlib.import_module(module), function)
    streams = sys.stdin, sys.stdout, sys.stderr
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for line in commands:
        request = json.loads(line)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(ROOT)
        sys.argv = ["kiemdiem", *request["args"]]
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        with warnings.catch_warnings():  # its filters put back after, and warnings already shown shown again
            exit_code = _exit_code(main)
        for stream in (sys.stdout, sys.stderr, *streams[1:]):  # what the command left as sys.stdout too
            with contextlib.suppress(Exception):  # what cannot be written is lost, as at a process's exit
                stream.flush()
        sys.stdin, sys.stdout, sys.stderr = streams
        os.dup2(null, 1)
        os.dup2(log, 2)
        _forget()
        root.handlers[:], root.level = handlers, level
        gc.collect()  # the command's garbage gone before the next starts, under the same memory limit
        gc.freeze()  # and what stays (modules it imported) out of the next collections: they cost as much as a command
        results.write(json.dumps({"exit_code": exit_code}) + "\n")
        results.flush()


def _exit_code(main: Any) -> int:
    """Run `main()` and give the exit status the interpreter would: SystemExit's code, 1 with the trace printed for
    any other exception."""
    import traceback

    try:
        main()
        return 0
    except SystemExit as exit:
        if exit.code is None:
            return 0
        if isinstance(exit.code, int):
            return exit.code % 256
        print(exit.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1


def _forget() -> None:
    """What a command leaves in the process for the next, put back as a new process has it: the app of the process
    (settings, engine) to be built again, the clock on the system's."""
    bootstrap = sys.modules.get("service.bootstrap")
    if bootstrap is not None:
        for app in bootstrap._built.values():
            if "engine" in app.__dict__:
                app.engine.dispose()
        bootstrap._built.clear()
        bootstrap.install_app(None)
    clock = sys.modules.get("models.clock")
    if clock is not None:
        clock.set_now(None)
        clock.run_from(None)


def _misbehave() -> None:
    """A stand-in for the command line, for the tests of the driver: `kiemdiem ACTION [ARG]`."""
    import signal
    import time

    action, *rest = sys.argv[1:]
    if action == "print":  # TEXT on stdout through sys.stdout; $NAME and the folder on stderr, straight to the fd
        text, name = rest
        print(text)
        os.write(2, f"{os.environ.get(name, '-')} {os.getcwd()}\n".encode())
    elif action == "exit":
        sys.exit(int(rest[0]))
    elif action == "hang":
        time.sleep(3600)
    elif action == "eat":  # more than any address-space limit: a MemoryError, not caught
        _eaten.append(bytearray(1 << 40))
    elif action == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif action == "leave":  # something the next command would see, were it not put back
        os.environ["KIEMDIEM_LEFT"] = "left"
        os.chdir("/")
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115


_eaten: list[bytearray] = []


def assert_refused(ran: Bounded, *names: str) -> None:
    """Refused as bad input: exit 2, no trace, and the message names each of `names` (row, field, rule…)."""
    assert ran.exit_code == 2, f"exit {ran.exit_code}\n{ran.output}"
    assert "Traceback" not in ran.output, ran.output
    for name in names:
        assert name in ran.stderr, f"{name!r} not named in:\n{ran.stderr}"
