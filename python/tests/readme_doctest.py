"""The README, run as a new user runs it: `make readme-test` (part of `make test`).

Every ```sh and ```python block of README.md follows a marker line that says how it is checked,
so that a new block cannot go unchecked by accident:

- `<!-- readme-test: wheel-install -->`: each line runs in a fresh virtual environment whose PATH
  holds no Rust toolchain, so the wheel must install without one. `make` lines are the Rust
  side (building the wheel), done by this target's prerequisites before the toolchain is hidden.
- `<!-- readme-test: python -->`: run by that environment's Python from an empty folder, so the
  installed wheel is what is imported; every `# prints: TEXT` comment must appear in its output.
- `<!-- readme-test: cli -->`: run by bash, line by line, with the release `batchverify` binary
  first on PATH, in a folder holding a copy of the repository's `examples/data` (the files the
  lines name, and any they write); every line must exit 0.
- `<!-- readme-test: elsewhere WHERE -->`: checked elsewhere (WHERE says by what).

Usage: readme_doctest.py WHEEL_DIR CLI_BIN_DIR
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MARKED_BLOCK = re.compile(
    r"<!-- readme-test: (?P<how>[a-z-]+)(?: [^>]*)? -->\n```(?P<lang>[a-z]+)\n(?P<body>.*?)```",
    re.DOTALL,
)
# Fences of languages a reader would run; each needs a marker.
RUNNABLE_BLOCK = re.compile(r"^\s*```(sh|bash|shell|console|python|py)\s*$", re.MULTILINE)
LANGUAGE_OF = {"wheel-install": "sh", "python": "python", "cli": "sh"}
# Enough for `pip` and `bash` and nothing from rustup: a machine without Rust, as far as the
# install can tell.
SYSTEM_PATH = "/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"


def marked_blocks(readme: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    marked_runnable = 0
    for block in MARKED_BLOCK.finditer(readme):
        how, language = block["how"], block["lang"]
        if how not in (*LANGUAGE_OF, "elsewhere"):
            sys.exit(f"README.md: unknown readme-test marker {how!r}")
        if LANGUAGE_OF.get(how, language) != language:
            sys.exit(f"README.md: a {how!r} marker on a {language} block")
        marked_runnable += RUNNABLE_BLOCK.fullmatch(f"```{language}") is not None
        found.setdefault(how, []).append(block["body"])
    unmarked = len(RUNNABLE_BLOCK.findall(readme)) - marked_runnable
    if unmarked:
        sys.exit(f"README.md: {unmarked} runnable block(s) without a readme-test marker")
    return found


def command_lines(block: str) -> list[str]:
    lines = (line.strip() for line in block.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def run(command: str, *, env: dict[str, str], cwd: Path) -> str:
    print(f"$ {command}", flush=True)
    done = subprocess.run(
        ["bash", "-c", command], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(
            f"README command failed ({done.returncode}): {command}\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def fresh_environment(root: Path) -> dict[str, str]:
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    env = {
        "HOME": os.environ.get("HOME", str(root)),
        "PATH": f"{root / 'venv' / 'bin'}:{SYSTEM_PATH}",
        "VIRTUAL_ENV": str(root / "venv"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    for tool in ("cargo", "rustc", "rustup"):
        if shutil.which(tool, path=env["PATH"]):
            sys.exit(f"{tool} is on the Rust-free PATH {env['PATH']}")
    return env


def main() -> None:
    wheel_dir, cli_bin_dir = (Path(arg).resolve() for arg in sys.argv[1:3])
    blocks = marked_blocks((REPO / "README.md").read_text())
    with tempfile.TemporaryDirectory(prefix="readme-test-") as temp:
        root = Path(temp)
        env = fresh_environment(root)
        # The README's paths are relative to a clone; the wheel is wherever `make wheel` put it.
        wheels = root / "target" / "wheels"
        shutil.copytree(wheel_dir, wheels)
        for block in blocks.get("wheel-install", []):
            for line in command_lines(block):
                if not line.startswith("make "):
                    run(line, env=env, cwd=root)
        for block in blocks.get("python", []):
            script = root / "example.py"
            script.write_text(block)
            printed = run(f"python {script}", env=env, cwd=root)
            for expected in re.findall(r"# prints: (.*)", block):
                if expected.strip() not in printed:
                    sys.exit(f"the README's Python example did not print {expected!r}:\n{printed}")
        cli_env = dict(os.environ, PATH=f"{cli_bin_dir}:{os.environ['PATH']}")
        shutil.copytree(REPO / "examples" / "data", root / "examples" / "data")
        for block in blocks.get("cli", []):
            for line in command_lines(block):
                run(line, env=cli_env, cwd=root)
    checked = {how: len(bodies) for how, bodies in blocks.items()}
    print(f"README blocks checked: {checked}")


if __name__ == "__main__":
    main()
