"""``crmlab assign``: write the student version of exercise notebooks.

Exercise notebooks are written once, with the solution in them:

* lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in a code cell
  become ``...  # your code here`` (at the same indentation);
* a line ``name = value  # SOLUTION`` becomes ``name = ...  # your answer``;
* markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``
  is removed;
* outputs and execution counts are cleared.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

__all__ = ["student_version", "assign"]

_INLINE = re.compile(r"^(\s*[\w\[\]\"'.]+\s*=\s*).+?\s*#\s*SOLUTION\s*$")


def _strip_code(source: str) -> str:
    out, inside, indent = [], False, ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == "# BEGIN SOLUTION":
            if inside:
                raise ValueError("nested '# BEGIN SOLUTION'")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}...  # your code here")
            continue
        if stripped == "# END SOLUTION":
            if not inside:
                raise ValueError("'# END SOLUTION' without '# BEGIN SOLUTION'")
            inside = False
            continue
        if inside:
            continue
        m = _INLINE.match(line)
        out.append(f"{m.group(1)}...  # your answer" if m else line)
    if inside:
        raise ValueError("'# BEGIN SOLUTION' without '# END SOLUTION'")
    return "\n".join(out)


def _strip_markdown(source: str) -> str:
    return re.sub(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->\n?", "", source, flags=re.S)


def student_version(nb: dict) -> dict:
    """Return a copy of a notebook (as JSON dict) with the solutions removed."""
    nb = json.loads(json.dumps(nb))
    for i, cell in enumerate(nb.get("cells", [])):
        src = "".join(cell.get("source", []))
        try:
            if cell.get("cell_type") == "code":
                src = _strip_code(src)
                cell["outputs"], cell["execution_count"] = [], None
            elif cell.get("cell_type") == "markdown":
                src = _strip_markdown(src)
        except ValueError as exc:
            raise ValueError(f"cell {i + 1}: {exc}") from None
        lines = src.splitlines(keepends=True)
        cell["source"] = lines
    return nb


def assign(source: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Write student versions of a notebook or of every notebook in a folder."""
    source, out = Path(source), Path(out)
    if source.is_dir():
        notebooks = sorted(source.glob("*.ipynb"))
    elif source.suffix == ".ipynb" and source.exists():
        notebooks = [source]
    else:
        raise ValueError(f"{source} is not a notebook or a folder of notebooks")
    if not notebooks:
        raise ValueError(f"no notebooks in {source}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    converted = []
    for nb_path in notebooks:  # convert all first: one bad notebook writes nothing
        try:
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"{nb_path.name} is not a valid notebook ({exc})") from None
        try:
            converted.append((nb_path.name, student_version(nb)))
        except ValueError as exc:
            raise ValueError(f"{nb_path.name}: {exc}") from None
    for name, nb in converted:
        target = out / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, target)
        written.append(target)
    return written
