"""The workbook's two languages (中文 / English): one switch, message catalogues, CJK fonts.

``crmlab.set_language("zh")`` changes every text crmlab shows -- plot labels, exercise
prompts and feedback, the progress table, hand-in and command-line messages -- to Chinese;
``"en"`` changes it back.  Without a call, the language is that of the notebook: a notebook
in a ``zh/`` folder (``notebooks/zh/``, ``exercises/zh/``) is Chinese, any other English;
the environment variable ``CRMLAB_LANG`` (``zh`` or ``en``) overrides both.

Texts are written in English in the code and marked for translation: ``_("...")`` where a
text is shown, ``N_("...")`` where a constant is defined (it is translated where it is
shown).  Their Chinese is in a gettext message catalogue,
``crmlab/locale/zh/LC_MESSAGES/crmlab.po``, managed with Babel (``crmlab i18n extract``
collects the texts, ``update`` merges them into the catalogue, ``compile`` writes the
``.mo`` file gettext reads); the key terms come from :mod:`crmlab.glossary`.  Gettext is
the standard of Python and of most free software: translators' tools (Poedit, Weblate)
read its files, and Babel is the well-kept library that manages them.

Tables: in Chinese, the pandas tables a notebook shows have each column's Chinese name above
its English one (:func:`table_for_display`; the English name is the one to use in code).

Plots: Chinese labels need a font with Chinese glyphs.  :func:`cjk_font` looks for one
(Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang);
:func:`plot_language` is ``"zh"`` only when one is installed -- otherwise plots keep their
English labels and a notice says once how to install a font (never boxes instead of
characters).
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys
from pathlib import Path

__all__ = ["LANGUAGES", "set_language", "get_language", "default_language", "gettext", "_",
           "N_", "plot_text", "plot_language", "cjk_font", "CJK_FONTS", "LOCALE_DIR",
           "COLUMN_CONTEXT", "column_name", "table_for_display", "register_table_display"]

LANGUAGES = {"en": "English", "zh": "中文"}
DOMAIN = "crmlab"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# fonts with Chinese glyphs, in order of preference (Linux, Binder, Windows, macOS)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN",
             "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
             "STHeiti", "Arial Unicode MS", "Noto Sans CJK JP", "Noto Sans CJK TC")
FONT_NOTICE = ("No font with Chinese characters is installed (没有中文字体), so plot labels "
               "stay in English. Install one (Noto Sans CJK: see README.zh.md, \"Chinese "
               "fonts\") and restart the kernel.")

_state: dict = {"language": None, "catalogues": {}, "font": None, "notice_shown": False}


def _normalise(language) -> str:
    if isinstance(language, str):
        key = language.strip().lower().replace("_", "-")
        key = {"cn": "zh", "zh-cn": "zh", "zh-hans": "zh", "chinese": "zh", "中文": "zh",
               "en-us": "en", "en-gb": "en", "english": "en"}.get(key, key)
        if key in LANGUAGES:
            return key
    raise ValueError(f"unknown language {language!r}; choose 'zh' (中文) or 'en' (English)")


def default_language() -> str:
    """The language without :func:`set_language`: ``CRMLAB_LANG``, else the notebook's.

    A notebook is Chinese when it is in a folder named ``zh``: Jupyter tells the kernel the
    notebook's path (``JPY_SESSION_NAME``), and starts it in the notebook's folder (so do
    nbconvert and nbval).

    >>> default_language() in LANGUAGES
    True
    """
    env = os.environ.get("CRMLAB_LANG")
    if env:
        return _normalise(env)
    session = os.environ.get("JPY_SESSION_NAME")
    for where in ([Path(session).parent] if session else []) + [Path.cwd()]:
        if where.name == "zh":  # notebooks/zh/, exercises/zh/
            return "zh"
    return "en"


def get_language() -> str:
    """The current language, ``"en"`` or ``"zh"``."""
    if _state["language"] is None:
        _state["language"] = default_language()
    return _state["language"]


def set_language(language: str) -> str:
    """Show every crmlab text in ``language`` from now on: ``"zh"`` (中文) or ``"en"``.

    Returns the language set.  Tables and plots made before keep their language; run the
    cells again to see them in the new one.

    >>> set_language("zh"); _("Correct")
    'zh'
    '正确'
    >>> set_language("en"); _("Correct")
    'en'
    'Correct'
    """
    _state["language"] = _normalise(language)
    return _state["language"]


def _catalogue(language: str):
    if language not in _state["catalogues"]:
        _state["catalogues"][language] = _gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True)
    return _state["catalogues"][language]


def gettext(message: str, language: str | None = None) -> str:
    """``message`` (English) in the current language (or ``language``); the English text
    itself when the catalogue has no translation of it."""
    language = language or get_language()
    if language == "en" or not message:
        return message
    return _catalogue(language).gettext(message)


_ = gettext


def N_(message: str) -> str:
    """Mark a constant for translation without translating it (it is translated where it is
    shown, in the language of that moment)."""
    return message


# ---------------------------------------------------------------- plots and fonts
def cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs (see :data:`CJK_FONTS`), or ``None``.

    >>> name = cjk_font()
    >>> name is None or name in CJK_FONTS
    True
    """
    if _state["font"] is None:
        from matplotlib import font_manager

        installed = {f.name for f in font_manager.fontManager.ttflist}
        found = next((name for name in CJK_FONTS if name in installed), "")
        if not found:  # installed after matplotlib cached its font list? look once more
            found = _added_system_font(font_manager)
        _state["font"] = found
    return _state["font"] or None


_FONT_FILES = ("wqy", "noto", "cjk", "sourcehan", "source-han", "simhei", "msyh", "yahei",
               "pingfang", "heiti", "hiragino", "droid", "uming")


def _added_system_font(font_manager) -> str:
    """A Chinese font among the system's font files that matplotlib's cache does not list
    yet (e.g. installed after the cache was built): added to matplotlib, its name returned."""
    for path in font_manager.findSystemFonts():
        if not any(key in Path(path).name.lower() for key in _FONT_FILES):
            continue
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), "")


def plot_language() -> str:
    """The language of plot labels: the current language, but English when Chinese is
    asked for and no Chinese font is installed (with a notice, once per session).  With a
    font, matplotlib is set to use it (and a plain minus sign, which it has)."""
    language = get_language()
    if language == "en":
        return "en"
    font = cjk_font()
    if font is None:
        if not _state["notice_shown"] and os.environ.get("CRMLAB_FONT_NOTICE", "1") != "0":
            print(FONT_NOTICE, file=sys.stderr)
        _state["notice_shown"] = True
        return "en"
    import logging

    import matplotlib as mpl

    logger = logging.getLogger("matplotlib.font_manager")
    if not any(isinstance(f, _NoBoldNotice) for f in logger.filters):
        logger.addFilter(_NoBoldNotice())
    families = list(mpl.rcParams["font.sans-serif"])
    if families[:1] != [font]:
        mpl.rcParams["font.sans-serif"] = [font] + [f for f in families if f != font]
        mpl.rcParams["font.family"] = "sans-serif"
        mpl.rcParams["axes.unicode_minus"] = False
    return language


class _NoBoldNotice:
    """Drop matplotlib's notice that a Chinese font has no bold face (it then uses the
    regular one, which is fine): it would show under every plot with a bold label."""

    def filter(self, record) -> bool:
        return "Failed to find font weight" not in record.getMessage()


def plot_text(message: str) -> str:
    """A plot label, title or legend entry in :func:`plot_language`."""
    return gettext(message, plot_language())


# ---------------------------------------------------------------- tables
COLUMN_CONTEXT = "column"  # the catalogue's context of column names (msgctxt "column")


def column_name(name, language: str | None = None) -> str:
    """The Chinese name of a table column (``"customer_id"`` → ``"客户编号"``), or ``name``
    itself in English or when the catalogue has none.  Column names are catalogue entries of
    their own context, so ``"name"`` the column and ``"name"`` in a sentence can differ.

    >>> column_name("customer_id", "zh"), column_name("customer_id", "en")
    ('客户编号', 'customer_id')
    """
    language = language or get_language()
    if language == "en" or not isinstance(name, str) or not name:
        return name
    return _catalogue(language).pgettext(COLUMN_CONTEXT, name)


def table_for_display(df, language: str | None = None):
    """``df`` as shown in ``language``: in Chinese, each translated column has its Chinese
    name above the English one (the name to use in code), and a translated index name reads
    ``中文（english）``.  The data are not changed, and the table itself keeps its English
    column names: this is only what a notebook shows.

    >>> import pandas as pd
    >>> t = table_for_display(pd.DataFrame({"customer_id": ["c1"], "R01": [1]}), "zh")
    >>> list(t.columns)
    [('客户编号', 'customer_id'), ('', 'R01')]
    """
    import pandas as pd

    language = language or get_language()
    if language == "en" or not isinstance(df, pd.DataFrame) or isinstance(
            df.columns, pd.MultiIndex):
        return df
    names = [column_name(c, language) for c in df.columns]
    index_names = [n if column_name(n, language) == n else f"{column_name(n, language)}（{n}）"
                   for n in df.index.names]
    changed_columns = any(z != c for z, c in zip(names, df.columns))
    if not changed_columns and list(index_names) == list(df.index.names):
        return df
    out = df.copy(deep=False)
    if changed_columns:
        out.columns = pd.MultiIndex.from_arrays(
            [[z if z != c else "" for z, c in zip(names, df.columns)], list(df.columns)])
    out.index = out.index.set_names(index_names)
    return out


def _html_table(df):
    return table_for_display(df)._repr_html_()


def _plain_table(df, printer, cycle):
    import pandas as pd

    shown = table_for_display(df)  # Chinese characters are two columns wide in plain text
    with pd.option_context("display.unicode.east_asian_width", shown is not df):
        printer.text(repr(shown))


def register_table_display(shell=None) -> bool:
    """Show pandas tables with Chinese column names above the English ones in Chinese (see
    :func:`table_for_display`), in the running IPython kernel; nothing changes in English or
    outside IPython.  Returns whether it was registered."""
    if shell is None:
        if "IPython" not in sys.modules:  # not in a notebook: nothing to do
            return False
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    formatters = shell.display_formatter.formatters
    for module in ("pandas", "pandas.core.frame"):
        formatters["text/html"].for_type_by_name(module, "DataFrame", _html_table)
        formatters["text/plain"].for_type_by_name(module, "DataFrame", _plain_table)
    return True
