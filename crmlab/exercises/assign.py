"""``crmlab assign``: write the student version of exercise notebooks.

Exercise notebooks are written once, with the solution in them:

* lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in a code cell
  become ``...  # your code here`` (at the same indentation);
* a line ``name = value  # SOLUTION`` becomes ``name = ...  # your answer``;
* markdown between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``
  is removed;
* outputs, execution counts and execution timings are cleared.

``assign(..., execute=True)`` then runs each student version top to bottom, in
its output folder, so it is saved with its outputs (every check says "Not
answered yet").  Nothing is ever deleted, a notebook that exists is replaced
only with ``force=True``, and the output may not be inside the source.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from crmlab._files import first_missing
from crmlab.i18n import _

__all__ = ["student_version", "assign", "execute_notebook"]

_INLINE = re.compile(r"^(\s*[\w\[\]\"'.]+\s*=\s*).+?\s*#\s*SOLUTION\s*$")


def _strip_code(source: str) -> str:
    out, inside, indent = [], False, ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == "# BEGIN SOLUTION":
            if inside:
                raise ValueError(_("nested '# BEGIN SOLUTION'"))
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}...  # your code here")
            continue
        if stripped == "# END SOLUTION":
            if not inside:
                raise ValueError(_("'# END SOLUTION' without '# BEGIN SOLUTION'"))
            inside = False
            continue
        if inside:
            continue
        m = _INLINE.match(line)
        out.append(f"{m.group(1)}...  # your answer" if m else line)
    if inside:
        raise ValueError(_("'# BEGIN SOLUTION' without '# END SOLUTION'"))
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
                cell.get("metadata", {}).pop("execution", None)
            elif cell.get("cell_type") == "markdown":
                src = _strip_markdown(src)
        except ValueError as exc:
            raise ValueError(_("cell {value}: {exc}").format(value=i + 1, exc=exc)) from None
        lines = src.splitlines(keepends=True)
        cell["source"] = lines
    return nb


def assign(source: str | os.PathLike, out: str | os.PathLike, *, force: bool = False,
           execute: bool = False, timeout: int = 600) -> list[Path]:
    """Write student versions of a notebook or of every notebook in a folder.

    Parameters
    ----------
    source : str or path-like
        A notebook (``.ipynb``) or a folder of notebooks, with their solutions.
    out : str or path-like
        The folder for the student versions (created if missing).
    force : bool
        Write into ``out`` even if it is not empty, replacing the notebooks of
        the same names.  Other files in it are never touched.
    execute : bool
        Run every student version top to bottom (nbclient, in ``out``, with a
        throw-away progress file through ``CRMLAB_PROGRESS``) and save it with
        its outputs.
    timeout : int
        Seconds one cell may run when executing.

    Returns
    -------
    list of Path
        The notebooks written.

    Raises
    ------
    ValueError
        Bad source, ``out`` inside the source (or, for one notebook, ``out``
        holding that very notebook), ``out`` not empty without ``force``, a
        broken notebook, or a cell that fails when executing.  Nothing is
        written then, and no folder is left that this call created.
    """
    source, out = Path(source), Path(out)
    if source.is_dir():
        notebooks = sorted(source.glob("*.ipynb"))
    elif source.suffix == ".ipynb" and source.exists():
        notebooks = [source]
    else:
        raise ValueError(_("{source} is not a notebook or a folder of notebooks").format(
                             source=source))
    if not notebooks:
        raise ValueError(_("no notebooks in {source}").format(source=source))
    if out.exists() and not out.is_dir():
        raise ValueError(_("--out {out} is a file, not a folder").format(out=out))
    _refuse_inside(source, out)
    if out.is_dir() and any(out.iterdir()) and not force:
        clash = [nb.name for nb in notebooks if (out / nb.name).exists()]
        what = (f"its {', '.join(clash)} would be replaced" if clash else "it has other files")
        raise ValueError(_("--out {out} is not empty ({what}); pass --force to write the "
                           "student versions into it (other files are kept)").format(
                             out=out, what=what))
    converted = []
    for nb_path in notebooks:  # convert all first: one bad notebook writes nothing
        try:
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(_("{name} is not a valid notebook ({exc})").format(
                                 name=nb_path.name, exc=exc)) from None
        try:
            converted.append((nb_path.name, student_version(nb)))
        except ValueError as exc:
            raise ValueError(_("{name}: {exc}").format(name=nb_path.name, exc=exc)) from None
    created = None if out.exists() else first_missing(out.absolute())
    temporary: list[str] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        if execute:
            converted = [(name, execute_notebook(nb, out, timeout, name))
                         for name, nb in converted]
        staged = []
        for name, nb in converted:  # write every file beside its target, then rename them all
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            temporary.append(tmp)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(nb, f, indent=1, ensure_ascii=False)
                f.write("\n")
            os.chmod(tmp, 0o644)
            staged.append((tmp, out / name))
    except BaseException:
        for tmp in temporary:
            Path(tmp).unlink(missing_ok=True)
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return [target for _, target in staged]


def _refuse_inside(source: Path, out: Path) -> None:
    """Refuse an output folder that is, or is inside, the source (even with --force)."""
    src, dst = source.resolve(), out.resolve()
    if source.is_dir():
        if dst == src or src in dst.parents:
            raise ValueError(_("--out {out} is {value} source folder {source}: the student "
                               "versions would replace or mix with the solutions; choose "
                               "another folder").format(
                                 out=out, value='the' if dst == src else 'inside the',
                                 source=source))
    elif (dst / source.name).resolve() == src:
        raise ValueError(_("--out {out} would replace {source} itself with its student version; "
                           "choose another folder").format(out=out, source=source))


def execute_notebook(nb: dict, folder: Path, timeout: int = 600, name: str = "notebook") -> dict:
    """Run a notebook (JSON dict) top to bottom in a python3 kernel started in ``folder``.

    Parameters
    ----------
    nb : dict
        The notebook.
    folder : Path
        The kernel's working folder (the folder the notebook is saved in).
    timeout : int
        Seconds one cell may run.
    name : str
        The notebook's name, for error messages.

    Returns
    -------
    dict
        The notebook with its outputs.  Exercise checks save their answers to a
        temporary progress file (``CRMLAB_PROGRESS``), deleted afterwards, so
        running writes nothing into ``folder``.
    """
    import nbformat
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)
    saved = os.environ.get("CRMLAB_PROGRESS")
    with tempfile.TemporaryDirectory(prefix="crmlab-assign-") as tmp:
        os.environ["CRMLAB_PROGRESS"] = str(Path(tmp) / "crmlab-progress.json")
        try:
            client = NotebookClient(node, timeout=timeout, kernel_name="python3",
                                    record_timing=False,
                                    resources={"metadata": {"path": str(folder)}})
            client.execute()
        except Exception as exc:  # a failing cell, a dead kernel, a timeout
            what = (f"{exc.ename}: {exc.evalue}" if getattr(exc, "ename", None)
                    else f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}")
            raise ValueError(_("{name} failed when executed ({what})").format(
                                 name=name, what=what)) from None
        finally:
            if saved is None:
                os.environ.pop("CRMLAB_PROGRESS", None)
            else:
                os.environ["CRMLAB_PROGRESS"] = saved
    return json.loads(nbformat.writes(node))
