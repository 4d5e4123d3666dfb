"""The widgets without a browser: any client can set any widget value, so the server must check."""
import ipywidgets as w

from dumpning_kit.ui.app import CaseApp, practice_app
from dumpning_kit.ui.wizard import CaseWizard

CORE = {"diarienummer": "SN 2026/42", "namn": "Kim Testsson", "personnummer": "19811218-9876",
        "handlaggare": "Anna", "tidigare_kommun": "1480", "ankomstdatum": "2026-11-02",
        "forsta_kontakt": "2026-11-03", "barn_i_hushallet": "nej"}


def buttons(widget, text):
    found = []
    def walk(x):
        if isinstance(x, w.Button) and x.description == text:
            found.append(x)
        for c in getattr(x, "children", ()):
            walk(c)
    walk(widget)
    return found


def html_text(widget):
    out = []
    def walk(x):
        if isinstance(x, w.HTML):
            out.append(x.value)
        for c in getattr(x, "children", ()):
            walk(c)
    walk(widget)
    return "\n".join(out)


def new_case_wizard(store, **overrides):
    wiz = CaseWizard(store, None)
    for qid, value in {**CORE, **overrides}.items():
        wiz.fields[qid].input.value = value
    buttons(wiz.widget, "Skapa ärendet")[0].click()
    return wiz


def test_forged_values_are_refused_on_the_server(store):
    wiz = new_case_wizard(store, personnummer="<script>alert(1)</script>", ankomstdatum="2099-01-01")
    assert store.count() == 0
    text = html_text(wiz.widget)
    assert "Personnumret är inte giltigt" in text and "framtiden" in text
    assert "<script>alert(1)</script>" not in text  # escaped wherever it is shown
    wiz.fields["personnummer"].input.value = "19811218-9876"
    wiz.fields["ankomstdatum"].input.value = "2026-11-02"
    buttons(wiz.widget, "Skapa ärendet")[0].click()
    assert store.count() == 1
    assert "Sparat" in wiz.status.value


def test_consent_gate_holds_even_if_the_field_is_forged(store):
    wiz = new_case_wizard(store)
    case = store.record_decision(wiz.case.id, wiz.case.version, "faststalld", "Tydlig motivering av beslutet.")
    wiz.reload()
    wiz.go(5, save=False)  # Bostad (2.3)
    wiz.fields["samtycke_hembesok"].input.value = "nej"
    wiz.fields["hembesok_datum"].input.value = "2026-11-20"  # hidden in the form, but a client can send it
    buttons(wiz.widget, "Spara")[0].click()
    assert "utan personens samtycke" in wiz.status.value
    assert "hembesok_datum" not in store.get(case.id).answers


def test_stale_write_from_another_browser_is_refused_with_advice(store):
    first = new_case_wizard(store)
    second = CaseWizard(store, store.get(first.case.id))
    first.go(1, save=False)
    second.go(1, save=False)
    first.fields["bedomning_kommentar"].input.value = "Från första fönstret."
    buttons(first.widget, "Spara")[0].click()
    second.fields["bedomning_kommentar"].input.value = "Från andra fönstret."
    buttons(second.widget, "Spara")[0].click()
    assert "ladda om" in second.status.value.lower()
    assert "Från andra fönstret." in second.status.value  # what they typed is shown, not lost
    assert store.get(first.case.id).answers["bedomning_kommentar"] == "Från första fönstret."
    buttons(second.widget, "Ladda om ärendet")[0].click()
    assert second.fields["bedomning_kommentar"].input.value == "Från första fönstret."


def test_step_that_does_not_apply_says_why(store):
    wiz = new_case_wizard(store)
    wiz.go(3, save=False)  # Kontakt med berörd kommun (2.1)
    assert "Steget är inte aktuellt just nu" in html_text(wiz.widget)
    assert "misstanke om social dumpning" in html_text(wiz.widget)
    assert "registrera en misstanke i steget Bedömning" in html_text(wiz.widget)


def test_decision_is_recorded_from_the_form(store):
    wiz = new_case_wizard(store)
    wiz.go(1, save=False)
    radios = [x for x in wiz.body.children if isinstance(x, w.RadioButtons) and x.description.startswith("Ditt beslut")]
    texts = [x for x in wiz.body.children if isinstance(x, w.Textarea) and x.description.startswith("Motivering")]
    radios[0].value = "inte_dumpning"
    texts[0].value = "Flytten skedde i samverkan mellan kommunerna."
    buttons(wiz.widget, "Registrera beslut")[0].click()
    case = store.get(wiz.case.id)
    assert case.decision.outcome == "inte_dumpning" and case.decision.by == "testhandlaggare"


def test_case_list_search_and_practice_mode(store):
    new_case_wizard(store)
    app = CaseApp(store)
    assert f'<a href="?arende={store.list_cases()[0].id}">SN 2026/42</a>' in html_text(app.widget)
    missing = CaseApp(store, case_id=999)
    assert "finns inte" in missing.error.value and "SN 2026/42" in html_text(missing.widget)
    practice = practice_app()
    assert practice.store.count() == 0 and "Övningsläge" in practice.banner.value
    new_case_wizard(practice.store)
    practice.show_list()
    buttons(practice.widget, "SN 2026/42")[0].click()  # in-memory cases open without a page load
    assert "Ärende SN 2026/42" in html_text(practice.widget)
