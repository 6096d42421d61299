"""The message catalogue of the Chinese edition, managed with Babel (``crmlab i18n``).

``extract`` collects every text crmlab shows: the ``_()``, ``N_()`` and ``plot_text()``
calls of the package (Babel's Python extractor) and the texts of every exercise (titles,
prompts, hints, explanations, the feedback of the common mistakes, choices), which are
defined as data and translated where they are shown, and the column names of the tables the
notebooks show (context ``column``; see :func:`crmlab.i18n.table_for_display`).  ``update``
merges them into ``crmlab/locale/zh/LC_MESSAGES/crmlab.po`` (translations kept; a changed English text
becomes *fuzzy* until checked; a text no longer used becomes obsolete), ``compile``
writes the ``.mo`` file that :mod:`gettext` reads, and ``status`` counts what is left.
Babel is needed only for these commands (it comes with JupyterLab), not to show texts.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from crmlab.i18n import COLUMN_CONTEXT, DOMAIN, LOCALE_DIR

__all__ = ["KEYWORDS", "extract", "exercise_texts", "notebook_columns", "po_path",
           "mo_path", "update", "compile_mo", "status", "read"]

PACKAGE = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "plot_text": None}


def po_path(language: str = "zh") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str = "zh") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def exercise_texts() -> list[tuple[str, str]]:
    """``(text, where)`` for every shown text of every registered exercise."""
    from crmlab.exercises.core import all_exercises
    from crmlab.exercises.kinds import Choice, MultiChoice

    out = []
    for ex_id, ex in all_exercises().items():
        where = f"exercise {ex_id}"
        out += [(ex.title, where), (ex.prompt, where)]
        out += [(h, where) for h in ex.hints]
        if ex.explanation:
            out.append((ex.explanation, where))
        out += [(m.message, where) for m in ex.mistakes]
        if isinstance(ex.kind, (Choice, MultiChoice)):
            out += [(label, where) for label in ex.kind.options.values()]
            out += [(text, where) for text in ex.kind.feedback.values()]
    return [(t, w) for t, w in out if t]


class _HeaderCells(HTMLParser):
    """Collects the texts of the header cells (``<thead> <th>``) of HTML tables in ``cells``."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self._in_head = self._in_cell = False
        self._text = ""

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self._in_head = True
        elif tag == "th" and self._in_head:
            self._in_cell, self._text = True, ""

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag == "th" and self._in_cell:
            self._in_cell = False
            self.cells.append(self._text.strip())

    def handle_data(self, data):
        if self._in_cell:
            self._text += data


def notebook_columns(folders=("notebooks", "exercises")) -> list[tuple[str, str]]:
    """``(column, where)`` for every column name in the header of a table that an English
    notebook shows (its saved outputs), every column of the dataset schema and of the class
    report's tables: the column names the Chinese edition shows above the English ones."""
    import json

    from crmlab.data.schema import TABLES
    from crmlab.exercises.report import TABLE_COLUMNS

    out = [(c.name, f"schema {t.name}") for t in TABLES for c in t.columns]
    out += [(name, "class report") for name in TABLE_COLUMNS]
    root = PACKAGE.parent
    for folder in folders:
        for path in sorted((root / folder).glob("*.ipynb")):
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for cell in nb.get("cells", []):
                for output in cell.get("outputs", []):
                    html = output.get("data", {}).get("text/html")
                    if not html:
                        continue
                    cells = _HeaderCells()
                    cells.feed("".join(html) if isinstance(html, list) else html)
                    out += [(c, f"{folder}/{path.name}") for c in cells.cells if _is_name(c)]
    return out


def _is_name(text: str) -> bool:
    """A header cell worth a translation: not empty, not a number or a date."""
    import re

    return bool(text) and not re.fullmatch(r"[-+\d.,:%/ ()\[\]e]*|\d{4}-\d\d(-\d\d)?.*", text)


def extract():
    """A Babel template catalogue of every text crmlab shows."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="CRM Lab", domain=DOMAIN, fuzzy=False)
    method_map = [("**/locale/**", "ignore"), ("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        if isinstance(message, str) and message:
            template.add(message, locations=[(f"crmlab/{filename}", lineno)],
                         auto_comments=comments, context=context)
    for text, where in exercise_texts():
        template.add(text, locations=[(where, 0)])
    for name, where in notebook_columns():
        entry = template.get(name, COLUMN_CONTEXT)
        if entry is None:
            template.add(name, locations=[(where, 0)], context=COLUMN_CONTEXT)
        elif (where, 0) not in entry.locations and len(entry.locations) < 3:
            entry.locations.append((where, 0))
    return template


def read(language: str = "zh"):
    """The catalogue of ``language`` as it is on disk (an empty one if there is none)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="CRM Lab")
    with path.open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def _write_po(catalog, path: Path) -> None:
    import io

    from babel.messages.pofile import write_po

    from crmlab._files import write_text_atomic

    buf = io.BytesIO()
    write_po(buf, catalog, width=96, sort_output=False, omit_header=False,
             include_previous=True, ignore_obsolete=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, buf.getvalue().decode("utf-8"))


def update(language: str = "zh") -> dict:
    """Merge the extracted texts into the catalogue of ``language``; returns :func:`status`."""
    catalog = read(language)
    catalog.update(extract(), no_fuzzy_matching=True)
    catalog.revision_date = catalog.creation_date  # no clock in the file: reproducible
    _write_po(catalog, po_path(language))
    return status(language)


def compile_mo(language: str = "zh") -> Path:
    """Write the ``.mo`` file of ``language`` from its ``.po`` (fuzzy entries left out)."""
    import io

    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, read(language), use_fuzzy=False)
    path = mo_path(language)
    tmp = path.with_suffix(".mo.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return path


def status(language: str = "zh") -> dict:
    """Counts of the catalogue against the texts in the code: ``texts``, ``translated``,
    ``fuzzy``, ``untranslated`` and ``missing`` (texts not in the catalogue at all)."""
    catalog = read(language)
    template = extract()
    ids = {(m.id, m.context) for m in template if m.id}
    entries = {(m.id, m.context): m for m in catalog if m.id}
    translated = [i for i in ids if i in entries and entries[i].string and not entries[i].fuzzy]
    fuzzy = [i for i in ids if i in entries and entries[i].fuzzy]
    return {"texts": len(ids), "translated": len(translated), "fuzzy": len(fuzzy),
            "untranslated": len(ids) - len(translated) - len(fuzzy),
            "missing": len(ids - set(entries))}
