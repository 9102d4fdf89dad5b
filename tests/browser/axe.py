"""axe-core's accessibility checks, run in the page a browser test has open.

`tests/browser/vendor/axe.min.js` is axe-core 4.14.1 as published on the npm registry
(`npm pack axe-core@4.14.1`), kept here so a fresh clone runs the checks without a download.
axe-core is under the Mozilla Public License 2.0: its licence is `vendor/axe-core.LICENSE`.
To update it: `npm pack axe-core@VERSION`, copy `package/axe.min.js` and `package/LICENSE` here.
"""

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# The WCAG 2.1 A and AA rules and axe's best practices: what a screen-reader or low-vision nurse meets.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, *, tags: list[str] | None = None) -> list[dict]:
    """Run axe-core on the page as it is now and return its violations (each with its nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script> tag: a Content-Security-Policy without inline scripts allows it.
        page.evaluate(axe_source())
    return page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            const results = await axe.run(document, options);
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        tags or TAGS,
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['summary']}" for node in violation["nodes"][:5])
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, *, tags: list[str] | None = None) -> None:
    """Fail, listing each rule broken and where, if axe-core finds any violation in the page."""
    violations = axe_violations(page, tags=tags)
    assert not violations, f"axe-core found {len(violations)} violation(s) on {page.url}:\n{describe(violations)}"
