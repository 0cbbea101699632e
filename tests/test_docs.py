"""The repository's documents stand alone: every link they make resolves inside the
repository, and none points at material that is not shipped with it."""

from __future__ import annotations

import re

import pytest

from .helpers import ROOT

DOCS = sorted([ROOT / "README.md", ROOT / "SECURITY.md", *(ROOT / "docs").glob("*.md"),
               *(ROOT / "tests").glob("**/README.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve_inside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert "shared/spec" not in text and "../shared" not in text
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to a missing file: {target}"


def test_the_student_contract_is_in_the_repository():
    contract = (ROOT / "docs" / "training.md").read_text(encoding="utf-8")
    from grader.assignments import get

    for part in get().parts:  # every part, every name and its points
        assert f"`{part.id}`" in contract
        for name in part.names:
            assert name in contract
    assert "docs/training.md" in (ROOT / "README.md").read_text(encoding="utf-8")
