"""Every work a chapter cites by author and year is listed with its full reference in
docs/sources.md (the notebooks cannot point anywhere else)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
# "Oliver (1999", "Oliver 1999", "Fader, Hardie & Lee (2005", "Kano et al. (1984" ...
CITE = re.compile(r"\b([A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?)(?:'s)?"
                  r"(?:,? (?:&|and) [A-Z][a-z]+| et al\.|, [A-Z][a-z]+)*,? \(?((?:19|20)\d\d)[a-z]?\b")
NOT_AUTHORS = {"January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December", "Since", "In", "From", "Until",
               "By", "The", "Of", "End", "Before", "After", "Q", "Year", "Wave", "Cohort"}


def entries() -> list[str]:
    lit = SOURCES.split("## Literature", 1)[1]
    return ["- " + b for b in lit.split("\n- ")[1:]]


def cited() -> set[tuple[str, str]]:
    out = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        for author, year in CITE.findall(text):
            if author not in NOT_AUTHORS:
                out.add((author, year))
    return out


def test_every_citation_has_a_full_reference():
    refs = entries()
    assert len(refs) > 40
    missing = sorted(f"{a} {y}" for a, y in cited()
                     if not any(r[2:].startswith(a) or f", {a}" in r.split("(")[0]
                                or f"& {a}" in r.split("(")[0] for r in refs if f"({y}" in r))
    assert not missing, missing
