"""The README's Python example runs and prints the mask it promises."""

from __future__ import annotations

import contextlib
import io
import re

from conftest import REPO


def test_readme_python_example() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert len(blocks) == 1
    printed = io.StringIO()
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(printed):
        exec(blocks[0], namespace)
    assert printed.getvalue().startswith("[ True False  True]\n")
    assert str(namespace["mask"]) == "[ True False  True]"
