"""The command line as a separate process: exit codes, and no Prefect server for one-shot commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

PROBE = """
import sys
from entrypoints.cli import app
try:
    app(sys.argv[1:])
except SystemExit as done:
    code = done.code
print("EXIT", code, "PREFECT-LOADED", any(m == "prefect" or m.startswith("prefect.") for m in sys.modules),
      file=sys.stderr)
"""


def run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIEMDIEM_HOME": str(home)}
    env.pop("KIEMDIEM_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["units", "import", str(EXAMPLES / "district.csv")],
        ["units", "tree", "--depth", "0"],
        ["campaign", "launch", str(ROOT / "deploy" / "campaign.example.yaml"), "--at", "2020-11-23T08:00:00+07:00"],
    ],
    ids=["help", "import", "tree", "launch"],
)
def test_one_shot_commands_do_not_load_prefect(tmp_path_factory: pytest.TempPathFactory, args: list[str]) -> None:
    home = tmp_path_factory.getbasetemp() / "one-shot-home"  # shared: import, then tree, then launch
    done = run(args, home)
    assert "EXIT 0 PREFECT-LOADED False" in done.stderr, done.stderr


def test_exit_codes_of_the_installed_command(tmp_path: Path) -> None:
    kiemdiem = Path(sys.executable).parent / "kiemdiem"
    env = {**os.environ, "KIEMDIEM_HOME": str(tmp_path)}
    env.pop("KIEMDIEM_DATABASE_URL", None)
    ok = subprocess.run([kiemdiem, "units", "tree"], capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0 and "no units yet" in ok.stdout
    bad = subprocess.run(
        [kiemdiem, "units", "import", str(tmp_path / "none.csv")], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad.returncode == 2 and "file_not_found" in bad.stderr and "Traceback" not in bad.stderr
    usage = subprocess.run([kiemdiem, "units", "import"], capture_output=True, text=True, env=env, timeout=60)
    assert usage.returncode == 2
    broken = {**env, "KIEMDIEM_DATABASE_URL": "postgresql+psycopg://kd:Hunter2Secret@127.0.0.1:1/none"}
    failed = subprocess.run([kiemdiem, "units", "tree"], capture_output=True, text=True, env=broken, timeout=60)
    assert failed.returncode == 1
    assert "internal error" in failed.stderr and "Traceback" not in failed.stderr
    assert "Hunter2Secret" not in failed.stderr + failed.stdout
