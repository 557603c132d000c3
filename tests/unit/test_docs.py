"""The README and docs/ stay true to the code: every setting documented, every link alive.

The README is short and links to docs/; these tests fail when a page is renamed without its
links, when a section a link points at is renamed, or when code starts reading an environment
variable that the configuration table in docs/operations.md does not explain.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CODE = ("engine", "workflows", "webui", "bench", "tests")
ENV_READ = re.compile(r"""(?:environ(?:\.get)?[\[(]|getenv\()\s*["']([A-Z][A-Z0-9_]+)["']""")
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {_anchor(m) for m in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def _configuration_table() -> set[str]:
    text = (DOCS / "operations.md").read_text()
    section = text.split("## Configuration (environment variables)", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in re.findall(r"^\| (`.+?) \|", section, flags=re.M):
        names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", row))
    return names


def test_every_environment_variable_the_code_reads_is_in_the_configuration_table():
    read: dict[str, Path] = {}
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            for name in ENV_READ.findall(path.read_text()):
                read.setdefault(name, path.relative_to(ROOT))
    assert "DATABASE_URL" in read  # the scan finds what it should
    documented = _configuration_table()
    missing = {name: str(path) for name, path in read.items() if name not in documented}
    assert not missing, f"add these to the table in docs/operations.md: {missing}"


def test_every_link_between_readme_and_docs_points_at_an_existing_page_and_section():
    broken = []
    for page in _pages():
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not ours to check
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
                broken.append(f"{page.name}: {target} (no such section)")
    assert not broken, broken


def test_the_readme_links_every_page_in_docs():
    readme = (ROOT / "README.md").read_text()
    unlinked = [p.name for p in DOCS.glob("*.md") if f"(docs/{p.name})" not in readme]
    assert not unlinked, f"link these from the README's 'Where to read more': {unlinked}"


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"^make test\b", commands, flags=re.M)
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert ci[-1] == "make test"
