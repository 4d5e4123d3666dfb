"""The guideline file loads, covers every section, and broken files are rejected clearly."""
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from dumpning_kit.coverage import coverage_rows
from dumpning_kit.errors import GuidelineError
from dumpning_kit.guideline import load_guideline
from dumpning_kit.settings import DEFAULT_SETTINGS, load_settings

GUIDELINE = DEFAULT_SETTINGS.parent.parent / "guidelines" / "bengtsfors.yaml"


@pytest.fixture
def raw():
    return yaml.safe_load(GUIDELINE.read_text(encoding="utf-8"))


def write(tmp_path, raw):
    p = tmp_path / "riktlinje.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def test_loads_and_every_section_has_an_item():
    g = load_guideline(GUIDELINE)
    rows = {r["section"]: r for r in coverage_rows(g)}
    for sid in ("1.1", "1.1.1", "1.1.2", "1.1.3", "2.1", "2.2", "2.3", "2.4"):
        r = rows[sid]
        assert r["questions"] + r["actions"] + r["deadlines"] + r["documents"] >= 1, sid
    assert [s.id for s in g.steps] == ["arendeuppgifter", "bedomning", "inkommen_begaran", "kontakt", "aterforing",
                                       "bostad", "hyresvard"]


def test_every_item_names_a_section_and_the_text_is_quoted():
    g = load_guideline(GUIDELINE)
    for q in g.questions.values():
        assert g.section(q.section) is not None
    for s in ("1.1", "2.1", "2.2", "2.3", "2.4"):
        assert len(g.section(s).text) > 200
    assert "genast ta kontakt med berörd kommun" in g.section("2.1").text
    assert g.law_text(g.deadline("svar_pa_begaran").law) == "2 a kap. 10 § SoL (2001:453)"


def test_law_note_says_the_law_is_replaced_and_invents_nothing():
    g = load_guideline(GUIDELINE)
    ref = g.deadline("svar_pa_begaran").law
    note = g.law_note(ref)
    assert "Socialtjänstlag (2025:400)" in note and "1 juli 2025" in note
    assert "inte angett" in note
    assert not re.search(r"\d+ kap\. \d+ § .*2025:400", note)
    mapped = g.law_note(ref, {"sol2001:2 a kap. 10 §": "enligt kommunens jurist"})
    assert "enligt kommunens jurist" in mapped


def test_coverage_command_lists_sections():
    out = subprocess.run([sys.executable, "-m", "dumpning_kit.cli", "coverage"], capture_output=True, text=True)
    assert out.returncode == 0
    for sid in ("1.1.1", "1.1.3", "2.4"):
        assert re.search(rf"^{re.escape(sid)}\s", out.stdout, re.M)


@pytest.mark.parametrize("mutate,message", [
    (lambda r: r["steps"][1]["questions"][0].__setitem__("relevant", {"question": "finns_inte", "equals": "ja"}),
     "fråga 'eget_initiativ': villkoret hänvisar till okänd fråga 'finns_inte'"),
    (lambda r: r["steps"][1]["questions"][0].pop("label"), "fråga 'eget_initiativ': 'label' saknas"),
    (lambda r: r["steps"][1]["questions"][0].__setitem__("type", "slider"), "fråga 'eget_initiativ': okänd typ 'slider'"),
    (lambda r: r["steps"][3].__setitem__("applies", {"step_applies": "saknas"}), "steg 'kontakt': villkoret hänvisar till okänd steg 'saknas'"),
    (lambda r: r["actions"][0].__setitem__("deadline", "ingen"), "åtgärd 'dokumentera_bedomning': okänd tidsfrist 'ingen'"),
    (lambda r: r["deadlines"][2].__setitem__("from", "nej"), "tidsfrist 'svar_pa_begaran': okänd fråga 'nej'"),
    (lambda r: r["classification"]["outcomes"][0]["requires"][0].__setitem__("when", {"decision": "faststalld"}),
     "bedömningen 'misstanke': kraven får bara bygga på svar på frågor"),
    (lambda r: r["classification"]["outcomes"][0]["requires"][0].pop("ask"), "bedömningen 'misstanke': 'ask' saknas"),
    (lambda r: r["classification"]["outcomes"][1].__setitem__("id", "kanske"), "bedömningen 'kanske': okänt förslag"),
    (lambda r: r["classification"]["outcomes"][0]["supported_by"].append("diarienummer"),
     "frågan 'diarienummer' i supported_by har ingen indikator"),
    (lambda r: r["classification"].pop("outcomes"), "'outcomes' saknas"),
    (lambda r: r["classification"]["outcomes"][0]["requires"][0]["when"].__setitem__("question", "finns_inte"),
     "bedömningen 'misstanke': villkoret hänvisar till okänd fråga 'finns_inte'"),
    (lambda r: r["decision"]["options"].pop("inte_dumpning"), "options ska vara faststalld och inte_dumpning"),
    (lambda r: r["actions"][0].__setitem__("kind", "snart"), "okänd kind 'snart'"),
    (lambda r: r["steps"][1]["questions"][0].__setitem__("hint", "Inom {period:finns_inte}."),
     "okänd tidsfrist 'finns_inte' i {period:finns_inte}"),
    (lambda r: r["steps"][1]["questions"][0].__setitem__("section", "9.9"), "fråga 'eget_initiativ': okänt avsnitt '9.9'"),
    (lambda r: r["steps"][1]["questions"][0].__setitem__("relevant", {"question": "form", "like": "x"}),
     "villkoret på frågan 'form' behöver exakt ett av equals, in, answered"),
    (lambda r: r["steps"][1]["questions"][0].__setitem__("relevant", "1 == 1"), "är inte ett uppslag"),
    (lambda r: r["steps"][1]["questions"][1].__setitem__("id", "eget_initiativ"), "fråga 'eget_initiativ': id:t används redan"),
    (lambda r: r["steps"][0]["questions"].pop(0), "kärnfrågan 'diarienummer' saknas"),
    (lambda r: r["steps"][1]["questions"][0].__setitem__("law", "okand:1 §"), "okänd lag 'okand'"),
])
def test_broken_guideline_is_rejected_naming_file_item_and_problem(tmp_path, raw, mutate, message):
    mutate(raw)
    p = write(tmp_path, raw)
    with pytest.raises(GuidelineError) as e:
        load_guideline(p)
    assert str(p) in str(e.value)
    assert message in str(e.value)


def test_not_yaml_and_missing_file(tmp_path):
    p = tmp_path / "trasig.yaml"
    p.write_text("steps: [\n", encoding="utf-8")
    with pytest.raises(GuidelineError, match="inte giltig YAML"):
        load_guideline(p)
    with pytest.raises(GuidelineError, match="finns inte"):
        load_guideline(tmp_path / "saknas.yaml")


def test_another_municipality_adapts_by_files_only(tmp_path, raw, monkeypatch):
    raw["municipality"] = "Exempelby kommun"
    next(d for d in raw["deadlines"] if d["id"] == "svar_pa_begaran")["months"] = 2
    gpath = write(tmp_path, raw)
    settings = yaml.safe_load(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    settings.update(municipality="Årjängs kommun", municipality_code="1765", guideline=str(gpath))
    spath = tmp_path / "installningar.yaml"
    spath.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    s = load_settings(spath)
    assert s.municipality == "Årjängs kommun" and s.guideline_path == gpath
    monkeypatch.setenv("DUMPNING_SETTINGS", str(spath))
    out = subprocess.run([sys.executable, "-c",
                          "from dumpning_kit.cli import main; raise SystemExit(main(['due-date','--received','2026-03-10','--quiet']))"],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "2026-05-11"  # two months in this copy: 10 May is a Sunday


def test_broken_settings(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("municipality: X\n", encoding="utf-8")
    with pytest.raises(GuidelineError, match="municipality_code"):
        load_settings(p)
