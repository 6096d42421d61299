"""The class report: one self-contained HTML page, and the same in a notebook."""

import base64
import re

import pytest
from class_builder import build_class

import crmlab
from crmlab.exercises.grading import grade
from crmlab.exercises.report import ClassReport, write_report

STUDENTS = [f"2023100{n:03d}" for n in range(6)]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    build_class(folder / "subs", STUDENTS[:5], [
        "ch00.n-customers", "ch00.top20-share", "ch00.customers-by-channel",
        "ch00.aov-function", "ch00.churn-observed"], wrong=0.5, seed=3)
    roster = folder / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"{s},Student {i}\n"
                                                    for i, s in enumerate(STUDENTS)))
    return grade([folder / "subs"], chapter="00", roster=roster), folder


def test_report_is_one_self_contained_page(graded, tmp_path):
    grades, _ = graded
    path = write_report(grades, tmp_path / "report.html")
    page = path.read_text(encoding="utf-8")
    for heading in ("Exercises", "Common mistakes", "Findings", "Missing hand-ins"):
        assert f"<h2>{heading}</h2>" in page
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) == 2 and all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    assert not re.search(r"(src|href)=['\"]?https?:", page)  # nothing loaded from elsewhere
    assert STUDENTS[5] in page  # the student who handed in nothing is listed
    with pytest.raises(ValueError, match="exists; use --force"):
        write_report(grades, path)


def test_mistakes_are_counted_by_their_message(graded):
    grades, _ = graded
    mistakes = grades.mistakes()
    assert len(mistakes) and (mistakes["handins"] >= 1).all()
    page = ClassReport(grades).html()
    first = mistakes.iloc[0]
    share = f"{round(100 * first['share_of_answers'])}%"
    assert first["mistake"].replace("'", "&#x27;") in page and share in page


def test_summary_and_notebook_form(graded):
    grades, folder = graded
    report = crmlab.class_report(grades)
    summary = report.summary()
    assert summary["hand-ins graded"] == 5 and summary["missing"] == 1
    assert summary["students on the roster"] == 6 and summary["maximum score"] == "7"
    assert "<h1>CRM Lab class report: chapter 00</h1>" in report._repr_html_()
    assert "hand-ins graded: 5" in repr(report)
    # the same from paths, as an instructor's notebook would call it
    again = crmlab.class_report([folder / "subs"], chapter="00")
    assert again.summary()["hand-ins graded"] == 5


def test_the_chinese_report_shows_chinese_headers_titles_and_mistakes(graded, zh):
    import html

    from crmlab.exercises.core import all_exercises
    from crmlab.i18n import gettext

    grades, _ = graded
    page = ClassReport(grades).html()
    # each table column: the Chinese name above the English one
    assert re.search(r"<th[^>]*>练习</th>.*<th[^>]*>exercise</th>", page, re.S)
    assert re.search(r"<th[^>]*>常见错误</th>.*<th[^>]*>mistake</th>", page, re.S)
    title = all_exercises()["ch00.n-customers"].title
    assert html.escape(gettext(title, "zh")) in page and gettext(title, "zh") != title
    first = grades.mistakes().iloc[0]["mistake"]  # graded in English, shown in Chinese
    assert html.escape(gettext(first, "zh")) in page and html.escape(first) not in page
