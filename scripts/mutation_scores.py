"""Per-module mutation scores from mutmut 3's results in ./mutants (run after `mutmut run`).

Score = killed / total. "Non-equivalent" leaves out the survivors that docs/mutation.md marks as
equivalent (a table row whose second column is `equivalent`), since no test can kill those.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

MODULES = ("assessment", "deadlines", "workdays", "case", "guideline")
KILLED = {1, 3, 37}          # a test failed (or the type check caught it)
SURVIVED = {0}
TIMEOUT = {36, -24, 24, 152, 255}


def equivalent_names(doc: Path) -> set[str]:
    if not doc.exists():
        return set()
    names = set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[1].lower() == "equivalent" and "__mutmut_" in cells[0]:
            names.add(cells[0])
    return names


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    equivalent = equivalent_names(root / "docs" / "mutation.md")
    print(f"{'module':<15}{'killed':>8}{'total':>7}{'score':>8}{'survived':>10}{'timeout':>9}{'other':>7}"
          f"{'equiv.':>8}{'non-eq. score':>15}")
    for mod in MODULES:
        meta = root / "mutants" / "dumpning_kit" / f"{mod}.py.meta"
        if not meta.exists():
            print(f"{mod + '.py':<15} no results: run `mutmut run` first")
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        c = Counter("killed" if v in KILLED else "survived" if v in SURVIVED else "timeout" if v in TIMEOUT
                    else "other" for v in codes.values())
        total = len(codes)
        eq = sum(1 for k, v in codes.items() if v in SURVIVED and (k in equivalent or _plain(k) in equivalent))
        detected = c["killed"] + c["timeout"]
        score = 100 * c["killed"] / total if total else 0.0
        non_eq = 100 * detected / (total - eq) if total - eq else 100.0
        print(f"{mod + '.py':<15}{c['killed']:>8}{total:>7}{score:>7.1f}%{c['survived']:>10}{c['timeout']:>9}"
              f"{c['other']:>7}{eq:>8}{non_eq:>14.1f}%")
    print("non-eq. score = (killed + timeout) / (total - equivalent survivors listed in docs/mutation.md)")
    return 0


def _plain(name: str) -> str:
    return re.sub("\u01c1", ".", name)


if __name__ == "__main__":
    raise SystemExit(main())
