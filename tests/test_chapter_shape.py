"""Every chapter notebook has the shape of a chapter: learning goals, at most about six
numbered sections, key terms from the glossary, a summary and discussion questions; and no
file of the project points to planning documents students cannot open."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*.ipynb"))
MAX_SECTIONS = 7  # "about six"


def markdown(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def code(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_a_chapter_has_the_shape_of_a_chapter(path):
    text = markdown(path)
    assert text.startswith("# "), "the first cell is the title"
    assert "**Learning goals.**" in text
    sections = re.findall(r"^## (\d+)\. ", text, flags=re.M)
    assert [int(s) for s in sections] == list(range(1, len(sections) + 1)), sections
    assert 3 <= len(sections) <= MAX_SECTIONS, f"{len(sections)} sections"
    for heading in ("## Key terms (关键术语)", "## Summary (小结)", "## Discussion questions (讨论题)"):
        assert heading in text, heading
    assert re.search(r'glossary\("\d\d[ab]?"\)', code(path)), "the key terms come from the glossary"
    questions = text.split("## Discussion questions (讨论题)", 1)[1]
    assert len(re.findall(r"^\d+\. ", questions, flags=re.M)) >= 2


def test_chapters_use_the_shared_live_plot():
    """One figure per set of controls (crmlab.interactive.live_plot), no local copies."""
    for path in CHAPTERS:
        assert "def live_plot(" not in code(path), path.name


def test_nothing_points_outside_the_project():
    pattern = re.compile(r"seed 00\d|shared/|\.\./shared|seeds/", re.I)
    files = [p for p in ROOT.rglob("*") if p.is_file() and p.suffix in {
        ".py", ".md", ".ipynb", ".toml", ".cfg", ".txt", ".json", ".yml", ".yaml"}
        and not any(part in {".git", ".venv", "node_modules", "__pycache__"} or
                    part.endswith(".egg-info") for part in p.relative_to(ROOT).parts)
        and "datasets" not in p.relative_to(ROOT).parts]
    assert len(files) > 50
    offenders = [str(p.relative_to(ROOT)) for p in files
                 if p.name != "test_chapter_shape.py"
                 and pattern.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not offenders, offenders
