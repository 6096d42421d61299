"""The class report: one self-contained HTML page for the lecture after the deadline.

``crmlab grade DIR --report report.html`` writes it; ``crmlab.class_report(...)``
shows the same in a notebook.  It has the score distribution, each exercise's
success rate and attempts, the common mistakes counted by their message
("23% of answers: divided by orders, not customers"), the findings of the
tamper checks and the students who handed in nothing.  The figures are PNG
images embedded in the page, so the file can be mailed or put on a course site
as it is.
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

from crmlab._files import write_text_atomic
from crmlab.exercises.grading import SEVERITIES, ClassGrades, _check_target, grade, write_csv
from crmlab.i18n import N_, _, get_language, plot_text, table_for_display

__all__ = ["ClassReport", "class_report", "grade_files", "write_report", "plot_scores",
           "plot_success"]

# the columns of the report's tables (their Chinese names are in the catalogue, context "column")
TABLE_COLUMNS = ("exercise", "title", "answered", "correct", "success_rate", "mean_attempts",
                 "mistake", "handins", "share_of_answers", "student_id", "file", "severity",
                 "code", "message", "name")
_SEVERITY_COLOURS = {"info": "#3c4043", "warning": "#8a5300", "suspect": "#a50e0e"}
_HEADINGS = {
    "exercises": N_("Exercises"), "mistakes": N_("Common mistakes"),
    "mistakes_text": N_("Wrong answers that match a known mistake, counted by the mistake, as "
                        "a share of the\nhand-ins that answered the exercise."),
    "findings": N_("Findings"),
    "findings_text": N_("Signs of problems with hand-ins. {suspect}: look at the files before "
                        "grading;\n{warning}: probably a mistake by the student; {info}: for "
                        "the record."),
    "missing": N_("Missing hand-ins"),
}


def plot_scores(grades: ClassGrades, ax=None):
    """Histogram of the percent scores of the graded hand-ins."""
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 3.2))
    table = grades.table()
    scores = table.loc[table["status"] == "graded", "percent"]
    ax.hist(scores, bins=range(0, 105, 5), color="#1a73e8", edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel(plot_text("score (% of the maximum)"))
    ax.set_ylabel(plot_text("hand-ins"))
    ax.set_title(plot_text("Scores of {n} graded hand-ins").format(n=len(scores)))
    return ax


def plot_success(grades: ClassGrades, ax=None):
    """Share of correct answers per exercise (of the hand-ins that answered it)."""
    import matplotlib.pyplot as plt

    per = grades.per_exercise()
    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 0.3 * len(per) + 1.2))
    rates = per["success_rate"].fillna(0).to_numpy() * 100
    ax.barh(per["exercise"], rates, color="#34a853")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(plot_text("correct (% of the hand-ins that answered)"))
    ax.set_title(plot_text("Success rate per exercise"))
    ax.tick_params(axis="y", labelsize=8)
    return ax


def _png(draw, grades: ClassGrades) -> str:
    import matplotlib.pyplot as plt

    ax = draw(grades)
    fig = ax.figure
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img alt='{html.escape(ax.get_title())}' src='data:image/png;base64,{data}'>"


def _table(df, classes: str = "") -> str:
    """``df`` as an HTML table; in Chinese with each column's Chinese name above the English."""
    if df.empty:
        return f"<p><i>{html.escape(_('none'))}</i></p>"
    return table_for_display(df).to_html(index=False, escape=True, na_rep="", classes=classes,
                                         border=0)


class ClassReport:
    """The report of a graded class, as HTML (``_repr_html_`` shows it in a notebook)."""

    def __init__(self, grades: ClassGrades, title: str | None = None):
        self.grades = grades
        what = _("chapter {chapter}").format(chapter=grades.chapter[2:]) if grades.chapter \
            else _("all chapters")
        self.title = title or _("CRM Lab class report: {what}").format(what=what)

    def summary(self) -> dict:
        g = self.grades
        table = g.table()
        graded = table[table["status"] == "graded"]
        return {_("students on the roster"): len(g.roster) if g.roster is not None
                else None,
                _("hand-ins graded"): len(graded),
                _("missing"): len(g.missing()),
                _("maximum score"): f"{g.max_score(g.chapter):g}",
                _("mean score (%)"): round(graded["percent"].mean(), 1) if len(graded)
                else None,
                _("median score (%)"): round(graded["percent"].median(), 1) if len(graded)
                else None,
                _("hand-ins with findings"): int((table["severity"] != "").sum()),
                _("suspect"): int((table["severity"] == "suspect").sum())}

    def html(self) -> str:
        import pandas as pd

        g = self.grades
        summary = "".join(f"<tr><th>{html.escape(k)}</th><td>{'' if v is None else v}</td></tr>"
                          for k, v in self.summary().items())
        per = g.per_exercise()[["exercise", "title", "answered", "correct", "success_rate",
                                "mean_attempts"]]
        # exercise titles and mistakes are catalogue texts (graded in English): shown translated
        per = per.assign(title=per["title"].map(_))
        mistakes = g.mistakes()
        if not mistakes.empty:
            mistakes = mistakes.assign(mistake=mistakes["mistake"].map(_))
            mistakes = mistakes.assign(share_of_answers=(100 * mistakes["share_of_answers"])
                                       .round().astype(int).astype(str) + "%")
        findings = g.findings()
        if not findings.empty:
            order = {s: i for i, s in enumerate(reversed(SEVERITIES))}
            findings = findings.sort_values("severity", key=lambda s: s.map(order), kind="stable")
        missing = pd.DataFrame([{"student_id": h.student_id, "name": h.name}
                                for h in g.missing()], columns=["student_id", "name"])
        finding_rows = _table(findings, "findings")
        for sev, colour in _SEVERITY_COLOURS.items():
            finding_rows = finding_rows.replace(f"<td>{sev}</td>",
                                                f"<td style='color:{colour}'><b>{sev}</b></td>")
        figures = (_png(plot_scores, g) + _png(plot_success, g)) if g.graded() else \
            f"<p><i>{html.escape(_('no graded hand-ins'))}</i></p>"
        lang = "zh" if get_language() == "zh" else "en"
        t = {k: html.escape(_(v)) for k, v in _HEADINGS.items()}
        t["findings_text"] = t["findings_text"].format(
            **{sev: f"<b>{sev}</b>" for sev in ("suspect", "warning", "info")})
        return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>
<style>
body {{ font-family: system-ui, "Noto Sans", "Noto Sans CJK SC", sans-serif; margin: 2em;
       max-width: 70em; color: #202124; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }}
th, td {{ border-bottom: 1px solid #dadce0; padding: 4px 10px; text-align: left; }}
.figures {{ display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }}
.figures img {{ max-width: 48%; min-width: 22em; }}
h2 {{ margin-top: 1.6em; }}
</style></head><body>
<h1>{html.escape(self.title)}</h1>
<table class="summary">{summary}</table>
<div class="figures">{figures}</div>
<h2>{t["exercises"]}</h2>
{_table(per, "exercises")}
<h2>{t["mistakes"]}</h2>
<p>{t["mistakes_text"]}</p>
{_table(mistakes, "mistakes")}
<h2>{t["findings"]}</h2>
<p>{t["findings_text"]}</p>
{finding_rows}
<h2>{t["missing"]}</h2>
{_table(missing, "missing")}
</body></html>
"""

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        lines = [self.title] + [f"  {k}: {v}" for k, v in self.summary().items()]
        mistakes = self.grades.mistakes()
        for _i, row in mistakes.head(5).iterrows():
            lines.append(f"  {row['exercise']}: {round(100 * row['share_of_answers'])}% "
                         f"{_(row['mistake'])}")
        return "\n".join(lines)


def class_report(grades_or_paths, **options) -> ClassReport:
    """The class report of graded hand-ins (a :class:`ClassGrades`, or paths to grade).

    ``options`` are those of :func:`crmlab.exercises.grading.grade` (chapter,
    roster, deadline, pack...) when paths are given.
    """
    grades = grades_or_paths if isinstance(grades_or_paths, ClassGrades) else grade(
        grades_or_paths, **options)
    return ClassReport(grades)


def write_report(grades: ClassGrades, path: str | os.PathLike, force: bool = False) -> Path:
    """Write the class report as one HTML file (atomically)."""
    path = Path(path)
    _check_target(path, force)
    return write_text_atomic(path, ClassReport(grades).html())


def grade_files(paths, out: str | os.PathLike | None = None,
                report: str | os.PathLike | None = None, *, force: bool = False, **options):
    """Grade and write the gradebook CSV (``out``) and the class report (``report``, HTML).

    Returns the :class:`ClassGrades`.  Targets are checked before grading
    starts, so a run never ends in an error after minutes of work.
    """
    for target in (out, report):
        if target is not None:
            _check_target(Path(target), force)
    grades = grade(paths, **options)
    if out is not None:
        write_csv(grades.table(), out, force=force)
    if report is not None:
        write_report(grades, report, force=force)
    return grades
