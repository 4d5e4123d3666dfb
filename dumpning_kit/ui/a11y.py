"""Radio groups that work with a keyboard and a screen reader (WCAG 2.1 1.3.1, 2.1.1, 2.4.7).

ipywidgets draws a RadioButtons widget as a label and loose radio inputs: no group, no
accessible name for the group, and every option its own Tab stop. A small script, shown
once per page, gives each group what a native form has:

- ``role="radiogroup"`` named by its question (``aria-labelledby`` the question's label),
  ``aria-required`` when the question is required (label ending in " *");
- one ``name`` per group, so the browser makes the group one Tab stop with the arrow keys
  inside it (choosing with an arrow key is a click, which ipywidgets sends to the kernel).

It watches the page, so groups drawn later (the next step, a follow-up question) get the
same. The focus indicator is in the Voilà template's CSS (3 px, dark blue, >= 3:1).
"""
from __future__ import annotations

from IPython.display import HTML, display

RADIO_GROUP_SCRIPT = r"""
<script>
(function () {
  if (window.__dkRadioGroups) { return; }
  window.__dkRadioGroups = true;
  var count = 0;
  function fix() {
    var groups = document.querySelectorAll(".widget-radio");
    for (var i = 0; i < groups.length; i++) {
      var el = groups[i];
      var box = el.querySelector(".widget-radio-box");
      if (!box) { continue; }
      if (!el.dataset.dkGroup) { el.dataset.dkGroup = "dk-radio-" + (++count); }
      var id = el.dataset.dkGroup;
      var label = el.querySelector(".widget-label");
      if (box.getAttribute("role") !== "radiogroup") { box.setAttribute("role", "radiogroup"); }
      if (label && label.textContent.trim()) {
        if (label.id !== id + "-fraga") { label.id = id + "-fraga"; }
        if (box.getAttribute("aria-labelledby") !== label.id) { box.setAttribute("aria-labelledby", label.id); }
        var required = /\s\*\s*$/.test(label.textContent);
        if (required && box.getAttribute("aria-required") !== "true") { box.setAttribute("aria-required", "true"); }
      }
      var radios = box.querySelectorAll("input[type=radio]");
      for (var j = 0; j < radios.length; j++) {
        if (radios[j].name !== id) { radios[j].name = id; }
      }
    }
  }
  var queued = false;
  function later() {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; fix(); });
  }
  fix();
  new MutationObserver(later).observe(document.body, {childList: true, subtree: true});
})();
</script>
"""

_shown = False


def enable_radio_groups() -> None:
    """Show the script once per kernel (one page). Harmless in JupyterLab and nbconvert."""
    global _shown
    if _shown:
        return
    _shown = True
    display(HTML(RADIO_GROUP_SCRIPT))
