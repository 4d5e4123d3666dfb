"""The `dumpning-kit` command. Errors: one Swedish line on standard error, exit code 2."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from .errors import GuidelineError, UserError, ValidationError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as the house rules say
        sys.stderr.write(f"dumpning-kit: fel: {message}\n")
        raise SystemExit(2)


def _fail(message: str) -> int:
    sys.stderr.write(f"dumpning-kit: fel: {' '.join(str(message).split())}\n")
    return 2


def cmd_due_date(args) -> int:
    from .guideline import default_guideline
    from .deadlines import due_date
    from .workdays import add_months, holiday_name
    try:
        received = dt.date.fromisoformat(args.received)
    except ValueError:
        return _fail(f"ogiltigt datum '{args.received}': skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-03-15.")
    rule = default_guideline().deadline("svar_pa_begaran")
    _, due = due_date(rule, {rule.from_question: received})
    print(due.isoformat())
    if not args.quiet:
        plain = add_months(received, rule.months)
        print(f"{rule.label}: begäran togs emot {received.isoformat()}, svaret ska ha kommit senast {due.isoformat()}.")
        if plain != due:
            why = holiday_name(plain) or {5: "en lördag", 6: "en söndag"}.get(plain.weekday(), "en helgdag")
            print(f"{rule.period_text.capitalize()} efter är {plain.isoformat()}, som är {why.lower()}. "
                  "Därför blir sista dagen nästa vardag.")
        print(f"Så räknas fristen: {rule.explanation}")
    return 0


def cmd_assess(args) -> int:
    from .assessment import CaseState, verdict
    from .case import validate_answers
    from .guideline import default_guideline
    from .settings import default_settings, today
    g = default_guideline()
    try:
        raw = json.loads(open(args.answers, encoding="utf-8").read())
    except FileNotFoundError:
        return _fail(f"svarsfilen {args.answers} finns inte.")
    except (OSError, UnicodeDecodeError) as e:
        return _fail(f"svarsfilen {args.answers} går inte att läsa ({e.__class__.__name__}).")
    except json.JSONDecodeError as e:
        return _fail(f"svarsfilen {args.answers} är inte giltig JSON (rad {e.lineno}, kolumn {e.colno}).")
    if not isinstance(raw, dict):
        return _fail(f"svarsfilen {args.answers} ska innehålla ett JSON-objekt med frågornas id och svaren.")
    unknown = [k for k in raw if k not in g.questions]
    if unknown:
        return _fail(f"svarsfilen har en okänd fråga '{unknown[0]}'. Frågornas id står i {g.source.name}.")
    if args.decision is not None and args.decision not in g.decision_options:
        return _fail(f"okänt beslut '{args.decision}'. Välj ett av: {', '.join(g.decision_options)}.")
    try:
        day = dt.date.fromisoformat(args.today) if args.today else today()
    except ValueError:
        return _fail(f"ogiltigt datum '{args.today}': skriv det som ÅÅÅÅ-MM-DD, till exempel 2026-03-15.")
    try:
        answers = validate_answers(
            g, raw, set(raw), today=day, own_code=default_settings().municipality_code,
            state_factory=lambda a: CaseState(g, a, decision=args.decision, today=day))
    except ValidationError as e:
        qid, text = next(iter(e.errors.items()))
        more = f" (och {len(e.errors) - 1} fel till)" if len(e.errors) > 1 else ""
        return _fail(f"svaret på '{qid}' ({g.questions[qid].label}): {text}{more}")
    st = CaseState(g, answers, decision=args.decision, today=day)
    v = verdict(st)
    if args.format == "json":
        print(json.dumps(v, ensure_ascii=False, indent=1))
        return 0
    print(f"Förslag: {v['classification_label']}")
    lead = {"ta_reda_pa": "Ta reda på", "motstridigt": "Svaren pekar åt olika håll", "krav": "Därför"}
    for r in st.reasons:
        print(f"  - {r.text} (avsnitt {r.section})" if r.kind != "motstridigt" else f"  {lead[r.kind]}: {r.text}")
    if st.signals:
        print("Stödjande tecken (räcker inte ensamma):")
        for s in st.signals:
            print(f"  - {s.indicator.text} (avsnitt {s.question.section})")
    print(f"Beslut: {g.decision_options[args.decision] if args.decision else 'inte registrerat'}")
    print("Åtgärdsplan:")
    for i in st.action_plan:
        due = f" – {i.deadline.describe()}" if i.deadline else ""
        print(f"  [{i.label}] {i.action.label} (avsnitt {i.action.section}){due}")
    nxt = st.next_action
    print(f"Nästa att göra: {nxt.action.label if nxt else 'inget'}")
    return 0


def cmd_cases(args) -> int:
    from .store import Store
    from .settings import today
    store = Store()
    rows = []
    for case in store.list_cases(status=args.status):
        st = store.state(case)
        nd = st.next_deadline
        rows.append({"id": case.id, "diarienummer": case.diarienummer, "status": case.status,
                     "handlaggare": case.answers.get("handlaggare"), "bedomning": st.classification,
                     "beslut": case.decision.outcome if case.decision else None,
                     "next_deadline": nd.due.isoformat() if nd else None,
                     "next_deadline_label": nd.rule.label if nd else None,
                     "next_deadline_status": nd.status if nd else None})
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    from .deadlines import STATUS_LABELS
    print(f"{'Id':>5}  {'Diarienummer':<16} {'Status':<9} {'Nästa frist':<12} {'Läge':<10} Frist")
    for r in rows:
        status = CASE_STATUS.get(r["status"], r["status"])
        when = STATUS_LABELS.get(r["next_deadline_status"], "") if r["next_deadline_status"] else ""
        print(f"{r['id']:>5}  {r['diarienummer']:<16} {status:<9} {r['next_deadline'] or '–':<12} {when:<10} "
              f"{r['next_deadline_label'] or ''}".rstrip())
    print(f"{count_phrase(len(rows))} (i dag {today().isoformat()}).")
    return 0


CASE_STATUS = {"oppet": "Öppet", "avslutat": "Avslutat"}


def count_phrase(n: int) -> str:
    """'Inga ärenden', '1 ärende', '30 ärenden'."""
    return "Inga ärenden" if n == 0 else f"{n} ärende" if n == 1 else f"{n} ärenden"


def cmd_demo(args) -> int:
    from .demo import create_demo_cases
    from .store import Store
    store = Store()
    if store.count() and not args.force:
        return _fail("databasen innehåller redan ärenden. Använd --force för att lägga till demoärenden ändå.")
    if args.count < 1 or args.count > 1000:
        return _fail("--count ska vara ett tal mellan 1 och 1000.")
    ids = create_demo_cases(store, count=args.count)
    where = store.url.split("///")[-1] if store.url.startswith("sqlite") else "databasen"
    print(f"Skapade {len(ids)} påhittade demoärenden i {where}. Starta appen med: dumpning-kit serve")
    return 0


def cmd_coverage(args) -> int:
    from .coverage import coverage_rows
    rows = coverage_rows()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"{'Avsnitt':<9} {'Frågor':>6} {'Åtgärder':>8} {'Frister':>7} {'Dokument':>8}  Rubrik")
    for r in rows:
        print(f"{r['section']:<9} {r['questions']:>6} {r['actions']:>8} {r['deadlines']:>7} {r['documents']:>8}  {r['title']}")
    return 0


def _hand_data_dir_to_kernels() -> None:
    """Resolve the data folder once and hand it to every kernel (they run in notebooks/)."""
    import os
    from .settings import data_dir
    os.environ["DUMPNING_DATA_DIR"] = str(data_dir())


def cmd_serve(args) -> int:
    from .server import APPS, NO_AUTH_REMOTE, is_loopback, main as serve_main, voila_argv
    from .settings import shipped_dir
    from .store import Store
    if args.no_token and not is_loopback(args.ip):
        sys.stderr.write(NO_AUTH_REMOTE.format(ip=args.ip) + "\n")
        return 2
    apps = tuple(a.strip() for a in args.apps.split(",") if a.strip()) if args.apps else None
    if apps is not None and (not apps or any(a not in APPS for a in apps)):
        return _fail(f"--apps: välj en eller flera av {', '.join(APPS)}, åtskilda med komma.")
    _hand_data_dir_to_kernels()
    Store()  # create the database before the first page, and fail early on a bad URL
    serve_main(voila_argv(args.port, ip=args.ip, preheat=not args.no_preheat, apps=apps, root=shipped_dir("notebooks"),
                          no_token=args.no_token, allowed_hosts=tuple(args.allow_host or ())))
    return 0


def cmd_export(args) -> int:
    from .export import export_case
    from .store import Store
    if bool(args.all) == bool(args.document):
        return _fail("ange antingen --document NAMN (en eller flera gånger) eller --all.")
    store = Store()
    ref = args.case.strip()
    if ref.isdigit():
        case_id = int(ref)
    else:
        found = store.find_by_diarienummer(ref)
        if found is None:
            return _fail(f"inget ärende har id eller diarienummer '{ref}'.")
        case_id = found.id
    krav = {"ja": True, "nej": False}.get(args.krav_motivering)
    if args.signatory_name is not None:
        from .settings import save_signatory
        save_signatory(args.signatory_name, args.signatory_title or "")
    elif args.signatory_title is not None:
        return _fail("ange --undertecknare tillsammans med --titel.")
    paths = export_case(store, case_id, None if args.all else args.document,
                        formats=args.format or ["pdf"], out_dir=args.out, krav_motivering=krav)
    for path in paths:
        print(path)
    if args.all:
        from .export import allowed_documents
        every = allowed_documents(store, store.get(case_id))
        missing = [(spec, why) for spec, ok, why in every if not ok]
        for spec, why in missing:
            sys.stderr.write(f"dumpning-kit: skapades inte: {spec.title}. {' '.join(why.split())}\n")
        if missing:
            sys.stderr.write(f"dumpning-kit: {len(missing)} av ärendets {len(every)} dokument kunde inte "
                             f"skapas (se raderna ovan).\n")
            return 1
    return 0


def cmd_report(args) -> int:
    from .analysis import export_notebook
    _hand_data_dir_to_kernels()
    print(export_notebook(args.out))
    return 0


def cmd_slides(args) -> int:
    from .server import slides_argv, slides_main
    from .settings import shipped_dir
    _hand_data_dir_to_kernels()
    argv = slides_argv(args.port, ip=args.ip)
    argv[0] = str(shipped_dir("notebooks") / "utbildning.ipynb")  # also from an installed wheel
    print(f"Bildspelet: http://{args.ip}:{args.port}/", flush=True)
    slides_main(argv)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="dumpning-kit", description="Stöd för arbetet mot social dumpning.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("serve", help="starta handläggarappen i webbläsaren (Voilà)")
    s.add_argument("--port", type=int, default=8866)
    s.add_argument("--ip", default="127.0.0.1", help="adress att lyssna på (standard 127.0.0.1)")
    s.add_argument("--no-preheat", action="store_true", help="starta utan förvärmda kärnor")
    s.add_argument("--no-token", action="store_true",
                   help="starta utan hemlig nyckel (bara tillåtet på 127.0.0.1; standard: en ny nyckel vid varje "
                        "start, eller DUMPNING_TOKEN)")
    s.add_argument("--allow-host", action="append", metavar="NAMN",
                   help="ett värdnamn som webbläsaren får använda utöver localhost/127.0.0.1 (kan anges flera gånger)")
    s.add_argument("--apps", metavar="DELAR",
                   help="vilka delar servern visar, åtskilda med komma: arende, oversikt, utbildning "
                        "(standard: alla tre; analysen körs alltid i JupyterLab)")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("slides", help="visa utbildningen som bildspel i webbläsaren")
    s.add_argument("--port", type=int, default=8867)
    s.add_argument("--ip", default="127.0.0.1")
    s.set_defaults(func=cmd_slides)

    s = sub.add_parser("due-date", help="sista dag för svar på en begäran enligt 2 a kap. 10 § SoL")
    s.add_argument("--received", required=True, help="datum då den andra kommunen tog emot begäran (ÅÅÅÅ-MM-DD)")
    s.add_argument("--quiet", action="store_true", help="skriv bara datumet")
    s.set_defaults(func=cmd_due_date)

    s = sub.add_parser("assess", help="verktygets förslag och åtgärdsplan för en uppsättning svar (JSON-fil)")
    s.add_argument("--answers", required=True, metavar="FIL.json",
                   help="JSON-objekt med frågornas id och svaren, datum som ÅÅÅÅ-MM-DD")
    s.add_argument("--decision", metavar="BESLUT", help="registrerat beslut: misstanke, faststalld eller inte_dumpning")
    s.add_argument("--today", metavar="ÅÅÅÅ-MM-DD", help="dagens datum för fristerna (standard: i dag)")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_assess)

    s = sub.add_parser("report", help="kör analysnotebooken och spara den som HTML som fungerar utan nätverk")
    s.add_argument("--out", metavar="FIL.html", help="filen att skriva (standard: data/exports/analys-notebook-DATUM.html)")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("cases", help="lista ärenden")
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.add_argument("--status", choices=["oppet", "avslutat"])
    s.set_defaults(func=cmd_cases)

    s = sub.add_parser("demo", help="fyll databasen med påhittade demoärenden")
    s.add_argument("--count", type=int, default=30)
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("coverage", help="visa vilka avsnitt i riktlinjen som täcks av frågor, åtgärder och dokument")
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.set_defaults(func=cmd_coverage)

    s = sub.add_parser("export", help="skapa ärendets dokument som PDF eller HTML")
    s.add_argument("case", metavar="ARENDE", help="ärendets id eller diarienummer")
    s.add_argument("--document", action="append", metavar="NAMN",
                   help="dokumentet att skapa: bedomning, upplevelse, skrivelse, begaran, ivo, hembesok eller "
                        "svar_inkommen_begaran "
                        "(kan anges flera gånger)")
    s.add_argument("--all", action="store_true", help="skapa alla dokument som går att skapa för ärendet")
    s.add_argument("--format", action="append", choices=["pdf", "html"], help="pdf (standard) eller html; "
                   "ange två gånger för båda")
    s.add_argument("--out", metavar="MAPP", help="mapp att spara i (standard: data/exports/ID-DIARIENUMMER)")
    s.add_argument("--undertecknare", dest="signatory_name", metavar="NAMN",
                   help="namnet på den som skriver under brev till kommunen och IVO; sparas som standard. "
                        "Utan namn får breven rader att skriva under för hand")
    s.add_argument("--titel", dest="signatory_title", metavar="TITEL",
                   help="undertecknarens titel, t.ex. Ordförande, kommunstyrelsens sociala utskott")
    s.add_argument("--krav-motivering", choices=["ja", "nej"],
                   help="skrivelsen: kräv en motivering av den andra kommunen (kräver personens samtycke); "
                        "standard: enligt samtycket")
    s.set_defaults(func=cmd_export)

    from .maintenance import add_commands
    add_commands(sub)  # backup, restore, purge
    return p


def _check_settings() -> None:
    """Every command reads the settings file first, so a broken one is one Swedish line and exit 2 from
    any command, before anything starts. Relative DUMPNING_SETTINGS/DUMPNING_GUIDELINE are made absolute
    for the kernels, which run in another folder."""
    import os
    from .settings import GUIDELINE_ENV, SETTINGS_ENV, absolute_path, default_settings
    for var in (SETTINGS_ENV, GUIDELINE_ENV):
        value = os.environ.get(var)
        if value and not os.path.isabs(value):
            os.environ[var] = str(absolute_path(value))
    default_settings()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _check_settings()
        return args.func(args) or 0
    except ValidationError as e:
        return _fail("; ".join(e.errors.values()))
    except (UserError, GuidelineError) as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
