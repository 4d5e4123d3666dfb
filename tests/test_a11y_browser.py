"""Accessibility that axe does not check: radio groups as groups (name, one Tab stop, arrow keys)
and a visible focus indicator, tested with the keyboard and the browser's accessibility tree."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CHILDREN = "Finns det barn i hushållet? *"


def _luminance(rgb: tuple[float, float, float]) -> float:
    def ch(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (ch(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _rgb(css: str) -> tuple[float, float, float]:
    return tuple(float(x) for x in re.findall(r"[\d.]+", css)[:3])


FOCUS_STYLE = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  let bg = 'rgb(255, 255, 255)';
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor;
    if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0)')) { bg = c; break; }
  }
  return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, bg: bg,
          type: el.type, name: el.name, value: el.dataset.value || '', tag: el.tagName, cls: el.className, text: (el.textContent || '').slice(0, 40)};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUS_STYLE)


def test_radio_groups_are_named_groups_with_one_tab_stop(voila_server_factory, page):
    server = voila_server_factory()
    page.goto(server.url + "/")
    page.get_by_role("button", name="Nytt ärende").click()
    expect(page.locator("h1", has_text="Nytt ärende")).to_be_visible()

    # The accessibility tree: a radiogroup named by its question, holding its options.
    group = page.get_by_role("radiogroup", name=CHILDREN)
    expect(group).to_be_visible()
    tree = group.aria_snapshot()
    assert tree.splitlines()[0].startswith(f'- radiogroup "{CHILDREN}"'), tree
    assert '- radio "Ja"' in tree and '- radio "Nej"' in tree, tree
    assert group.get_attribute("aria-required") == "true"
    # Every radio group on the page is named (the optional representative question too).
    names = page.evaluate("""() => [...document.querySelectorAll('.widget-radio-box')].map(b => [
        b.getAttribute('role'), (document.getElementById(b.getAttribute('aria-labelledby')) || {}).textContent])""")
    assert names and all(role == "radiogroup" and (label or "").strip() for role, label in names), names

    # Keyboard: one Tab stop into the group, arrow keys choose inside it, Tab leaves it.
    page.get_by_label("Datum då personen kontaktade socialtjänsten här *").focus()
    page.keyboard.press("Tab")
    f = focused(page)
    assert f["type"] == "radio" and f["value"] == "Ja", f
    group_name = f["name"]
    assert group_name
    # The focus indicator: a solid outline of at least 2 px with at least 3:1 against its background.
    assert f["style"] == "solid" and f["width"] >= 2, f
    assert contrast(_rgb(f["color"]), _rgb(f["bg"])) >= 3, f
    page.keyboard.press("ArrowDown")
    f = focused(page)
    assert f["type"] == "radio" and f["value"] == "Nej" and f["name"] == group_name, f
    expect(group.get_by_role("radio", name="Nej")).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(group.get_by_role("radio", name="Ja")).to_be_checked()
    # The kernel got the choice: the follow-up questions appear, and are named groups too.
    expect(page.get_by_label("Hur många barn? *")).to_be_visible()
    under15 = page.get_by_role("radiogroup", name=re.compile(r"^Är något av barnen under 15 år\?"))
    expect(under15).to_be_visible()
    page.keyboard.press("Tab")
    f = focused(page)
    assert f["name"] != group_name, f  # one Tab stop: the next Tab leaves the group
    page.keyboard.press("Shift+Tab")
    f = focused(page)
    assert f["name"] == group_name and f["value"] == "Ja", f  # back to the checked option
    c = contrast(_rgb(f["color"]), _rgb(f["bg"]))
    # The same indicator on a text field and a button reached with Tab.
    page.get_by_label("Diarienummer *").focus()
    t = focused(page)
    assert t["style"] == "solid" and t["width"] >= 2 and contrast(_rgb(t["color"]), _rgb(t["bg"])) >= 3, t
    page.get_by_role("button", name="Skapa ärendet").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    t = focused(page)
    assert t["style"] == "solid" and t["width"] >= 2 and contrast(_rgb(t["color"]), _rgb(t["bg"])) >= 3, t
    print(f"focus indicator on a radio: {f['width']}px {f['style']} {f['color']} on {f['bg']}: {c:.1f}:1")
