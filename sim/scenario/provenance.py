"""Tabulate a scenario's actor parameters with their provenance (Markdown).

``python -m sim.scenario.provenance scenarios/alaska_summit.yaml`` prints the tables that
scenarios/README.md embeds; a test keeps the README and the files in step.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.scenario.loader import load_raw


def _src(entry: dict | None) -> str:
    src = (entry or {}).get("source") or {}
    if "quote" in src:
        return f'quote: "{src["quote"]}"'
    if "assumption" in src:
        return f"assumption: {src['assumption']}"
    return "(none)"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def provenance_markdown(path: str | Path) -> str:
    """Markdown tables of every actor's weights, values, thresholds and red lines."""
    raw = load_raw(path)
    issues = raw["issues"]
    out = [f"### {raw['name']} (`{Path(path).name}`)", ""]
    for aid, actor in raw["actors"].items():
        out += [f"#### {actor.get('label') or aid}", ""]
        out += ["| issue | weight | values (in option order) | source of weight | "
                "source of values |", "|---|---|---|---|---|"]
        for iid in issues:
            w = actor["weights"][iid]
            v = actor["values"][iid]
            vals = ", ".join(f"{o}={v['value'][o]:g}" for o in issues[iid]["options"])
            out.append(f"| {iid} | {w['value']:g} | {vals} | {_cell(_src(w))} | "
                       f"{_cell(_src(v))} |")
        out += ["", "| parameter | value | source |", "|---|---|---|"]
        for key in ("reservation", "patience"):
            out.append(f"| {key} | {actor[key]['value']:g} | {_cell(_src(actor[key]))} |")
        for rl in actor.get("red_lines", []):
            what = _describe(rl)
            out.append(f"| red line `{rl['name']}` | {_cell(what)} | {_cell(_src(rl))} |")
        for inter in actor.get("interactions", []):
            what = (f"{_cond(inter['a'])} and {_cond(inter['b'])}: "
                    f"{inter['delta']:+g}")
            out.append(f"| interaction | {_cell(what)} | {_cell(_src(inter))} |")
        out.append("")
    return "\n".join(out)


def _cond(c: dict) -> str:
    opts = c.get("options") or [c.get("option")]
    return f"{c['issue']} in {{{', '.join(opts)}}}" if len(opts) > 1 else f"{c['issue']}={opts[0]}"


def _describe(rl: dict) -> str:
    kind = rl["kind"]
    if kind == "never":
        return f"never {_cond(rl)}"
    if kind in ("at_least", "at_most"):
        return f"{rl['issue']} {kind.replace('_', ' ')} {rl['option']}"
    if kind == "not_both":
        return f"not ({_cond(rl['a'])} and {_cond(rl['b'])})"
    return f"if {_cond(rl['if'])} then {_cond(rl['then'])}"


if __name__ == "__main__":  # pragma: no cover
    for arg in sys.argv[1:]:
        print(provenance_markdown(arg))
