"""The class report as an instructor opens it: a local HTML file in a real browser."""

import json

import pytest
from class_builder import build_class

import crmlab
from crmlab.exercises import submission
from crmlab.exercises.grading import grade
from crmlab.exercises.report import write_report

pytestmark = pytest.mark.browser


def test_class_report_opens_with_its_figures(chromium, screenshots, readme_picture, tmp_path):
    ids = [f"2023200{n:03d}" for n in range(12)]
    chapter = ["ch00.n-customers", "ch00.top20-share", "ch00.customers-by-channel",
               "ch00.customer-tables", "ch00.top-region", "ch00.aov-function",
               "ch00.churn-observed"]
    build_class(tmp_path / "subs", ids[1:10], chapter, wrong=0.3, seed=7)
    [best] = build_class(tmp_path / "subs", ids[:1], chapter, wrong=0)
    copy = json.loads(best.read_text())  # one copied file, for the findings
    copy["student_id"], copy["seed"] = ids[10], crmlab.seed_for(ids[10])
    copy["digest"] = submission.digest(copy)
    (tmp_path / "subs" / "copy.json").write_text(json.dumps(copy))
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"{s},Student {i + 1}\n"
                                                    for i, s in enumerate(ids)))
    report = write_report(grade([tmp_path / "subs"], chapter="00", roster=roster),
                          tmp_path / "report.html")
    requests, errors = [], []
    page = chromium.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report.as_uri(), wait_until="load")
        loaded = page.evaluate("() => [...document.images].map("
                               "i => i.complete && i.naturalWidth > 100)")
        assert loaded == [True, True]
        assert page.locator("h2").all_inner_texts() == [
            "Exercises", "Common mistakes", "Findings", "Missing hand-ins"]
        missing = page.locator("table.missing td").all_inner_texts()
        assert ids[11] in missing and ids[10] not in missing
        assert "copied-answer" in page.locator("table.findings").inner_text()
        assert page.locator("table.mistakes tr").count() > 1
        assert not errors
        shot = screenshots / "class-report.png"
        page.set_viewport_size({"width": 1100, "height": 1250})
        page.screenshot(path=str(shot), full_page=False)
        readme_picture(shot)
    finally:
        page.close()
    assert all(u.startswith("file://") or u.startswith("data:") for u in requests), requests
