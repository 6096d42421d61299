"""The Chinese edition (中文版) of the notebooks, built from the English ones.

Each English notebook that is translated has a **translation file**, e.g.
``translations/zh/notebooks/00_welcome.json`` for ``notebooks/00_welcome.ipynb``: for every
markdown cell, keyed by the cell's id, the English source it translates, the first 16 hex
digits of that source's SHA-256 and the Chinese::

    {"source": "notebooks/00_welcome.ipynb", "language": "zh",
     "cells": {"welcome-00": {"sha256": "3f2a...", "en": "# 00 Welcome ...", "zh": "# 00 欢迎 ..."}}}

Code cells are not translated: the Chinese notebook (``notebooks/zh/00_welcome.ipynb``) has
the English notebook's code cells unchanged (ids, source, metadata) and the markdown of the
translation file, and is saved executed (the kernel runs in the ``zh`` folder, as in Jupyter).

A translation is **stale** when the English cell changed after it was translated (the hash
differs) or when ``crmlab translate template`` marked it ``"fuzzy"`` (it keeps the old Chinese
and the English it was made from as ``"en_previous"``, the way gettext marks fuzzy entries);
the translator updates ``"zh"`` and deletes ``"fuzzy"`` and ``"en_previous"``. A build refuses
missing and stale translations, and ``tests/test_translations.py`` fails on them.

Relative links in markdown (``[data dictionary](../datasets/README.md)``) are written as in the
English notebook; the build points them one folder up, since the Chinese notebook lives one
folder deeper (:func:`relink`).

The commands: ``crmlab translate status``, ``crmlab translate template NOTEBOOK`` and
``crmlab translate build [NOTEBOOK ...]``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from crmlab._files import write_text_atomic
from crmlab.i18n import N_, _

__all__ = ["LANGUAGE", "FOLDERS", "cell_hash", "relink", "find_root", "translation_path",
           "translated_path", "english_path", "translated_notebooks", "CellStatus",
           "NotebookStatus", "check", "status", "template", "render", "build",
           "read_notebook", "dump_notebook", "is_built", "StaleTranslationError"]

LANGUAGE = "zh"
FOLDERS = ("notebooks", "exercises")  # the folders with a Chinese edition
_LINK = re.compile(r"(\]\(|\]:[ \t]*|<img[^>]*\bsrc=\")(?![a-z][a-z0-9+.-]*:|#|/|<)([^)\s\"]+)",
                   re.I)


class StaleTranslationError(ValueError):
    """A build refused: some markdown cells have no translation or a stale one."""


def cell_hash(source: str) -> str:
    """The first 16 hex digits of the SHA-256 of a cell's source (UTF-8).

    >>> cell_hash("# Hello")
    '01c8de44e04d2f7a'
    """
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def relink(markdown: str, up: int = 1) -> str:
    """Relative link targets in ``markdown`` moved ``up`` folders up (for a notebook one
    folder deeper); web addresses, anchors (``#...``) and absolute paths are kept.

    >>> relink("see [the dictionary](../datasets/README.md) and [Binder](https://mybinder.org)")
    'see [the dictionary](../../datasets/README.md) and [Binder](https://mybinder.org)'
    """
    return _LINK.sub(lambda m: m.group(1) + "../" * up + m.group(2), markdown)


def find_root(start: str | Path | None = None) -> Path:
    """The project folder: ``start`` (default: the working folder) or the first parent with
    a ``translations`` folder (or a ``pyproject.toml`` and a ``notebooks`` folder)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "translations").is_dir() or (
                (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir()):
            return folder
    raise ValueError(_("{here} is not inside the CRM Lab project (no translations/ folder above "
                       "it); run the command in the project folder or pass --root").format(
                         here=here))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def english_path(root: Path, notebook: str | Path) -> Path:
    """The English notebook meant by ``notebook``: a path (English or Chinese edition, or a
    translation file) or a bare name such as ``00_welcome``."""
    root = Path(root)
    given = Path(notebook)
    candidates = []
    for path in [given] if given.is_absolute() else [Path.cwd() / given, root / given]:
        if path.suffix == ".json" and path.parent.parent.name == LANGUAGE:  # translation file
            candidates.append(root / path.parent.name / (path.stem + ".ipynb"))
        elif path.parent.name == LANGUAGE and path.parent.parent.name in FOLDERS:
            candidates.append(path.parent.parent / path.name)
        elif path.suffix == ".ipynb":
            candidates.append(path)
    if len(given.parts) == 1:  # a bare name: look in every folder
        stem = given.name.removesuffix(".ipynb")
        candidates += [root / f / f"{stem}.ipynb" for f in FOLDERS]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise ValueError(_("{notebook}: no such English notebook (give e.g. "
                       "notebooks/00_welcome.ipynb or 00_welcome)").format(notebook=notebook))


def _folder_of(root: Path, english: Path) -> str:
    try:
        rel = Path(english).resolve().relative_to(Path(root).resolve())
    except ValueError:
        raise ValueError(_("{english} is not inside {root}").format(english=english, root=root)) from None
    if len(rel.parts) != 2 or rel.parts[0] not in FOLDERS:
        raise ValueError(_("{as_posix}: only notebooks directly in {items} have a Chinese "
                           "edition").format(
                             as_posix=rel.as_posix(),
                             items=' or '.join(f + '/' for f in FOLDERS)))
    return rel.parts[0]


def translation_path(root: Path, english: Path) -> Path:
    """``translations/zh/<folder>/<name>.json`` for ``<folder>/<name>.ipynb``."""
    return Path(root) / "translations" / LANGUAGE / _folder_of(root, english) / (
        Path(english).stem + ".json")


def translated_path(root: Path, english: Path) -> Path:
    """``<folder>/zh/<name>.ipynb`` for ``<folder>/<name>.ipynb``."""
    return Path(root) / _folder_of(root, english) / LANGUAGE / Path(english).name


def translated_notebooks(root: Path) -> list[Path]:
    """The English notebooks that have a translation file, in folder and name order."""
    root = Path(root)
    found = []
    for folder in FOLDERS:
        for tr in sorted((root / "translations" / LANGUAGE / folder).glob("*.json")):
            english = root / folder / (tr.stem + ".ipynb")
            if not english.is_file():
                raise ValueError(_("{as_posix} translates {folder}/{stem}.ipynb, which does not "
                                   "exist").format(
                                     as_posix=tr.relative_to(root).as_posix(), folder=folder,
                                     stem=tr.stem))
            found.append(english.resolve())
    return found


def read_notebook(path: Path) -> dict:
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(_("{path} is not a valid notebook ({exc})").format(path=path, exc=exc)) from None
    ids = [c.get("id") for c in nb.get("cells", [])]
    if any(not i for i in ids) or len(set(ids)) != len(ids):
        raise ValueError(_("{path}: every cell needs its own id (nbformat 4.5) to be translated").format(
                             path=path))
    return nb


def dump_notebook(nb: dict) -> str:
    """A notebook as the workbook saves it: JSON, indent 1, UTF-8 characters, newline."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _read_translation(path: Path) -> dict:
    if not path.is_file():
        return {"cells": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(_("{path} is not valid JSON ({exc})").format(path=path, exc=exc)) from None
    if not isinstance(data.get("cells"), dict):
        raise ValueError(_("{path} has no \"cells\" object (cell id -> translation)").format(
                             path=path))
    return data


@dataclass
class CellStatus:
    """One markdown cell: ``state`` is ``"ok"``, ``"missing"`` or ``"stale"``."""

    id: str
    state: str
    reason: str = ""


@dataclass
class NotebookStatus:
    """The translation state of one English notebook."""

    english: Path
    translation: Path
    translated: Path
    cells: list[CellStatus] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)  # translated ids no longer in English

    def of(self, state: str) -> list[str]:
        return [c.id for c in self.cells if c.state == state]

    @property
    def complete(self) -> bool:
        return all(c.state == "ok" for c in self.cells)


def check(root: Path, english: Path) -> NotebookStatus:
    """Which markdown cells of ``english`` are translated, missing or stale."""
    root, english = Path(root), Path(english)
    nb = read_notebook(english)
    tr_path = translation_path(root, english)
    cells = _read_translation(tr_path)["cells"]
    result = NotebookStatus(english, tr_path, translated_path(root, english))
    markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    for cell in markdown:
        entry = cells.get(cell["id"])
        if not entry or not str(entry.get("zh", "")).strip():
            result.cells.append(CellStatus(cell["id"], "missing", _("no translation")))
        elif entry.get("sha256") != cell_hash(_source(cell)):
            result.cells.append(CellStatus(cell["id"], "stale", _(
                "the English cell changed after it was translated")))
        elif entry.get("fuzzy"):
            result.cells.append(CellStatus(cell["id"], "stale", _(
                "marked fuzzy: check the translation against the new English")))
        else:
            result.cells.append(CellStatus(cell["id"], "ok"))
    known = {c["id"] for c in markdown}
    result.obsolete = [i for i in cells if i not in known]
    return result


def status(root: Path, notebooks: list | None = None) -> list[NotebookStatus]:
    """:func:`check` for the given English notebooks (default: every translated one)."""
    root = Path(root)
    paths = ([english_path(root, n) for n in notebooks] if notebooks
             else translated_notebooks(root))
    return [check(root, p) for p in paths]


def template(root: Path, notebook) -> tuple[Path, NotebookStatus]:
    """Write or update the translation file of an English notebook for a translator.

    New markdown cells get an entry with an empty ``"zh"``; a translation whose English
    changed keeps its Chinese, gets the new English and hash, ``"fuzzy": true`` and the old
    English as ``"en_previous"``; translations of cells the notebook no longer has are
    dropped. Entries follow the notebook's cell order. Returns the file and the status
    before the update.
    """
    root = Path(root)
    english = english_path(root, notebook)
    before = check(root, english)
    path = translation_path(root, english)
    old = _read_translation(path)["cells"]
    cells = {}
    for cell in read_notebook(english)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        src, entry = _source(cell), old.get(cell["id"])
        new = {"sha256": cell_hash(src), "en": src, "zh": ""}
        if entry and str(entry.get("zh", "")).strip():
            new["zh"] = entry["zh"]
            if entry.get("sha256") != new["sha256"] or entry.get("fuzzy"):
                new["fuzzy"] = True
                new["en_previous"] = (entry.get("en_previous", entry.get("en", ""))
                                      if entry.get("fuzzy") else entry.get("en", ""))
        cells[cell["id"]] = new
    data = {"source": english.relative_to(root.resolve()).as_posix(), "language": LANGUAGE,
            "cells": cells}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path, before


def _refusal(problems: list[NotebookStatus], root: Path) -> str:
    lines = []
    for st in problems:
        name = st.english.relative_to(root.resolve()).as_posix()
        for state, text in (("missing", N_("{name}: {n} missing translation(s): {ids}")),
                            ("stale", N_("{name}: {n} stale translation(s): {ids}"))):
            ids = st.of(state)
            if ids:
                lines.append(_(text).format(name=name, n=len(ids), ids=", ".join(ids)))
    return _("not building (nothing was written): {problems}. Run `crmlab translate template "
             "NOTEBOOK` and fill in the \"zh\" texts").format(problems=_("; ").join(lines))


def render(root: Path, english: Path) -> dict:
    """The Chinese notebook, not executed: English code cells, translated markdown.

    Raises :class:`StaleTranslationError` if a markdown cell's translation is missing or stale.
    """
    root, english = Path(root), Path(english)
    st = check(root, english)
    if not st.complete:
        raise StaleTranslationError(_refusal([st], root))
    nb = read_notebook(english)
    cells = _read_translation(st.translation)["cells"]
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = _split_lines(relink(cells[cell["id"]]["zh"]))
        elif cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    meta = {k: v for k, v in nb.get("metadata", {}).items() if k != "widgets"}
    meta["crmlab"] = {"language": LANGUAGE,
                      "source": english.relative_to(root.resolve()).as_posix(),
                      "translation": st.translation.relative_to(root).as_posix()}
    out["metadata"] = meta
    return out


def is_built(root: Path, english: Path) -> bool:
    """Whether the Chinese notebook exists and has the English code cells and the
    translation file's markdown (outputs are not compared); False if a translation is
    missing or stale."""
    root, english = Path(root), Path(english)
    target = translated_path(root, english)
    try:
        want, have = render(root, english), read_notebook(target)
    except (ValueError, OSError):
        return False
    def shape(nb):
        return [(c["id"], c["cell_type"], _source(c),
                 {k: v for k, v in c.get("metadata", {}).items() if k != "execution"})
                for c in nb["cells"]]
    return shape(want) == shape(have) and (
        have.get("metadata", {}).get("crmlab") == want["metadata"]["crmlab"])


def _split_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def build(root: Path, notebooks: list | None = None, *, execute: bool = True,
          timeout: int = 600) -> list[Path]:
    """Write ``<folder>/zh/<name>.ipynb`` for each given English notebook (default: every one
    with a translation file), executed top to bottom in its ``zh`` folder.

    Every notebook is checked first: if any markdown cell has no translation or a stale one,
    nothing is written and :class:`StaleTranslationError` lists the cells. A cell that fails
    when executed also writes nothing. Each file is replaced in one step.
    """
    from crmlab.exercises.assign import execute_notebook

    root = Path(root).resolve()
    paths = ([english_path(root, n) for n in notebooks] if notebooks
             else translated_notebooks(root))
    if not paths:
        raise ValueError(_("no translation files in {value}").format(
                             value=root / 'translations' / LANGUAGE))
    problems = [st for st in (check(root, p) for p in paths) if not st.complete]
    if problems:
        raise StaleTranslationError(_refusal(problems, root))
    rendered = []
    for english in paths:
        nb = render(root, english)
        target = translated_path(root, english)
        target.parent.mkdir(parents=True, exist_ok=True)
        if execute:
            nb = execute_notebook(nb, target.parent, timeout,
                                  target.relative_to(root).as_posix())
            _restore_code_metadata(nb, read_notebook(english))
        rendered.append((target, nb))
    for target, nb in rendered:  # all executed: now write them
        if not (target.is_file() and _same_but_widget_ids(target.read_text(encoding="utf-8"),
                                                          dump_notebook(nb))):
            write_text_atomic(target, dump_notebook(nb))
    return [target for target, _ in rendered]


_MODEL_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def _same_but_widget_ids(old: str, new: str) -> bool:
    """Whether two saved notebooks differ only in their widgets' model ids (ipywidgets draws
    them at random on every run): then the file on disk is kept, so that building again
    changes nothing."""
    def normal(text):
        nb = json.loads(text)
        widgets = nb.get("metadata", {}).pop("widgets", {})
        states = [_MODEL_ID.sub("ID", json.dumps(w, sort_keys=True, ensure_ascii=False))
                  for part in widgets.values() if isinstance(part, dict)
                  for w in part.get("state", {}).values()]
        body = _MODEL_ID.sub("ID", json.dumps(nb, sort_keys=True, ensure_ascii=False))
        return body, sorted(states)

    try:
        return normal(old) == normal(new)
    except ValueError:
        return False


def _restore_code_metadata(nb: dict, english: dict) -> None:
    """Execution must not change a code cell's id, source or metadata (nbformat may
    normalise them): put the English ones back."""
    by_id = {c["id"]: c for c in english["cells"]}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            ref = by_id[cell["id"]]
            cell["source"] = copy.deepcopy(ref["source"])
            cell["metadata"] = copy.deepcopy(ref.get("metadata", {}))
