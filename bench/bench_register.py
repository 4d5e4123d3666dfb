"""Benchmark: the case register with every deadline for 100,000 cases.

Builds a temporary SQLite database by bulk-inserting rows made from the demo cases'
answers with shifted dates (no validation: this is load, not correctness), then times in
the same run:

  1. a plain ``pandas.read_sql("SELECT * FROM cases")`` of the table (the baseline);
  2. ``register.load_register()`` (typed, pseudonymised, every next deadline);
  3. ``register.load_register(identifiers=("diarienummer",))`` (the overview's read);
  4. the overview's grouping and HTML for all rows.

Run:  PYTHONPATH=. python bench/bench_register.py [--cases 100000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def make_database(path: Path, n: int, seed: int = 2026) -> str:
    """Write n cases to a fresh SQLite file; returns its URL."""
    from sqlalchemy import insert

    from dumpning_kit import municipalities
    from dumpning_kit.demo import create_demo_cases
    from dumpning_kit.guideline import default_guideline
    from dumpning_kit.store import Store, cases
    from dumpning_kit.testdata import LANDLORDS, fictitious_person

    url = f"sqlite:///{path}"
    store = Store(url)
    create_demo_cases(store)  # the 30 templates, validated once
    g = default_guideline()
    dates = {q.id for q in g.questions.values() if q.type == "date"}
    with store.engine.connect() as conn:
        templates = [dict(r._mapping) for r in conn.execute(cases.select().order_by(cases.c.id))]
    store.delete_cases([t["id"] for t in templates])
    codes = sorted(municipalities.all_municipalities())
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc)
    year = int(os.environ.get("DUMPNING_TODAY", dt.date.today().isoformat())[:4])

    def shift(value: str, days: int) -> str:
        return (dt.date.fromisoformat(value) - dt.timedelta(days=days)).isoformat()

    rows = []
    for i in range(n):
        t = templates[i % len(templates)]
        back = rng.randint(0, 400)
        answers = {k: (shift(v, back) if k in dates and isinstance(v, str) else v) for k, v in t["answers"].items()}
        name, pnr = fictitious_person(rng)
        answers.update(diarienummer=f"SN {year - back // 365}/{100000 + i}", namn=name, personnummer=pnr,
                       tidigare_kommun=rng.choice(codes))
        if "hyresvard_namn" in answers:
            answers["hyresvard_namn"] = rng.choice(LANDLORDS + [f"Testvärd {k} AB" for k in range(40)])
        decision = dict(t["decision"]) if t["decision"] else None
        if decision:
            decision["date"] = shift(decision["date"], back)
        rows.append({"diarienummer": answers["diarienummer"], "caseworker": t["caseworker"],
                     "status": t["status"], "version": t["version"], "created_at": now, "updated_at": now,
                     "closed_at": t["closed_at"] - dt.timedelta(days=back) if t["closed_at"] else None,
                     "next_due": t["next_due"] - dt.timedelta(days=back) if t["next_due"] else None,
                     "answers": answers, "decision": decision})
    with store.engine.begin() as conn:
        for start in range(0, n, 20000):
            conn.execute(insert(cases), rows[start:start + 20000])
    store.close()
    return url


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="dk-bench-register-"))
    os.environ["DUMPNING_DATA_DIR"] = str(tmp / "data")
    os.environ.setdefault("DUMPNING_TODAY", "2026-11-27")

    import pandas as pd
    from sqlalchemy import create_engine

    from dumpning_kit import register
    from dumpning_kit.store import Store
    from dumpning_kit.ui import overview

    t0 = time.perf_counter()
    url = make_database(tmp / "bench.sqlite", args.cases)
    size = (tmp / "bench.sqlite").stat().st_size / 2**20
    print(f"{args.cases} ärenden skrivna på {time.perf_counter() - t0:.1f} s ({size:.0f} MiB SQLite)")

    engine = create_engine(url)
    store = Store(url)

    def plain():
        with engine.connect() as conn:
            return pd.read_sql("SELECT * FROM cases", conn)

    def cold(**kw):
        # What a fresh process pays: no pseudonyms or due dates remembered from an earlier call.
        register._PSEUDONYM_CACHE.clear()
        register._due.cache_clear()
        if "identifiers" in kw:
            return register.read_identified(store, kw.pop("identifiers"), **kw).cases
        return register.load_register(store, **kw)

    # Warm the file cache and the imports once, so neither side pays for the first read.
    plain()
    register.load_register(store)

    # Alternate baseline and register runs, so both see the same machine load.
    base_t, reg_t, warm_t, base_cpu, reg_cpu = [], [], [], [], []
    for _ in range(args.repeat):
        c0 = time.process_time()
        b, raw = timed(plain, 1)
        c1 = time.process_time()
        r, reg = timed(cold, 1)
        c2 = time.process_time()
        wt, _ = timed(lambda: register.load_register(store), 1)
        base_t.append(b), reg_t.append(r), warm_t.append(wt)
        base_cpu.append(c1 - c0), reg_cpu.append(c2 - c1)
    base, reg_time, warm = (statistics.median(x) for x in (base_t, reg_t, warm_t))
    ratios = [r / b for r, b in zip(reg_t, base_t)]
    ids_time, reg_ids = timed(lambda: cold(identifiers=("id", "diarienummer", "handlaggare"), purpose="bench"), args.repeat)
    group_time, grouped = timed(lambda: overview.group_rows(reg_ids), args.repeat)
    html_time, html = timed(lambda: overview.render_groups(grouped, store.g), args.repeat)
    assert len(raw) == len(reg) == args.cases

    print(f"pandas.read_sql('SELECT * FROM cases'), baslinje : {base:6.3f} s   (körningar: "
          + ", ".join(f"{x:.2f}" for x in base_t) + ")")
    print(f"register.load_register(), kall, pseudonymiserat : {reg_time:6.3f} s = {reg_time / base:4.2f} x baslinjen"
          "   (körningar: " + ", ".join(f"{x:.2f}" for x in reg_t) + ")")
    print(f"kvot per körning (register / baslinje)          : " + ", ".join(f"{x:.2f}" for x in ratios)
          + f"   median {statistics.median(ratios):.2f}")
    print(f"processortid, median: baslinje {statistics.median(base_cpu):.2f} s, register "
          f"{statistics.median(reg_cpu):.2f} s")
    print(f"register.load_register(), varm (samma process)  : {warm:6.3f} s = {warm / base:4.2f} x baslinjen")
    print(f"load_register(identifiers=id, diarienummer)     : {ids_time:6.3f} s = {ids_time / base:4.2f} x baslinjen")
    print(f"översikten: gruppering av alla {len(reg_ids)} rader    : {group_time:6.3f} s")
    print(f"översikten: HTML för grupperna (max {overview.MAX_ROWS_PER_GROUP}/grupp) : {html_time:6.3f} s "
          f"({len(html) / 1024:.0f} KiB)")
    print("rader per grupp: " + ", ".join(f"{k} {len(v)}" for k, v in grouped.items()))
    counts = reg["nasta_frist_status"].value_counts(dropna=False).to_dict()
    print(f"nästa frist per status: {counts}")
    ok = reg_time < 5 * base
    print("MÅL UPPNÅTT: under 5 x read_sql" if ok else "MÅLET MISSADES: 5 x read_sql eller mer")
    store.close()
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)  # 230 MiB of generated cases
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
