"""The report as a document: blocks written as Markdown or as self-contained HTML.

Core objects:
    Doc: an ordered list of blocks (headings, paragraphs, lists, tables, images) with two
        writers: `Doc.markdown` (images linked) and `Doc.html` (self-contained: images
        embedded as base64 PNGs).
    pct / num: how shares and numbers are written in the text and the tables.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Doc:
    """A report as blocks, written to Markdown or self-contained HTML."""

    title: str
    blocks: list[tuple] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        """Add a section heading."""
        self.blocks.append(("h", level, text))

    def para(self, text: str) -> None:
        """Add a paragraph (plain text; ``**bold**`` and `` `code` `` are kept)."""
        self.blocks.append(("p", text))

    def items(self, lines: list[str]) -> None:
        """Add a bulleted list."""
        if lines:
            self.blocks.append(("ul", list(lines)))

    def table(self, header: Sequence[object], rows: Sequence[Sequence[object]]) -> None:
        """Add a table; cells are formatted with ``str``."""
        self.blocks.append(("table", [str(h) for h in header], [[str(c) for c in r] for r in rows]))

    def image(self, path: Path, caption: str) -> None:
        """Add a PNG figure with a caption."""
        self.blocks.append(("img", Path(path), caption))

    def markdown(self, base: Path) -> str:
        """The report as Markdown, images linked relative to ``base``.

        Text is escaped as the HTML writer escapes it: only ``**bold**`` and `` `code` ``
        are markup; every other character a label or a question may hold (``*``, ``_``,
        ``[``, ``<``, ``|``...) is written literally.
        """
        out = [f"# {md_text(self.title)}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                out += ["#" * block[1] + " " + md_text(block[2]), ""]
            elif kind == "p":
                out += [md_text(block[1]), ""]
            elif kind == "ul":
                out += [f"- {md_text(line)}" for line in block[1]] + [""]
            elif kind == "table":
                header, rows = block[1], block[2]
                out.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
                out.append("|" + "|".join("---" for _ in header) + "|")
                out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
                out.append("")
            elif kind == "img":
                rel = block[1].relative_to(base).as_posix()
                caption = md_text(block[2])
                out += [f"![{caption}]({rel})", "", f"*{caption}*", ""]
        return "\n".join(out).rstrip() + "\n"

    def html(self) -> str:
        """The report as one HTML page with every image embedded."""
        body = [f"<h1>{_inline(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                body.append(f"<h{block[1]}>{_inline(block[2])}</h{block[1]}>")
            elif kind == "p":
                body.append(f"<p>{_inline(block[1])}</p>")
            elif kind == "ul":
                body.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in block[1]) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{_inline(h)}</th>" for h in block[1])
                rows = "".join(
                    "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                    for r in block[2]
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif kind == "img":
                data = base64.b64encode(block[1].read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img alt="{html.escape(block[2])}" '
                    f'src="data:image/png;base64,{data}"/>'
                    f"<figcaption>{_inline(block[2])}</figcaption></figure>"
                )
        return _PAGE.format(title=html.escape(self.title), body="\n".join(body))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; line-height: 1.45; color: #222; }}
table {{ border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.55em; text-align: left;
          vertical-align: top; }}
th {{ background: #f2f2f2; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; }}
figcaption {{ font-style: italic; color: #555; }}
code {{ background: #f4f4f4; padding: 0 0.2em; }}
</style></head>
<body>
{body}
</body></html>
"""


def _md_cell(text: str) -> str:
    return md_text(text.replace("\n", " "))


_MD_SPECIAL = re.compile(
    r"[\\*\[\]<>|~]"  # always markup somewhere
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # emphasis (inside a word, _ is literal)
    r"|&(?=#?[A-Za-z0-9]+;)"  # an entity reference
)
_MD_LINE_START = re.compile(r"^(\s*)(?:(>|[#+-](?=\s|$))|(\d+)([.)])(?=\s|$))")


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _md_block_start(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def md_text(text: str) -> str:
    r"""Escape text for Markdown, keeping ``**bold**`` and `` `code` `` (as `_inline` does).

    Example:
        >>> print(md_text("Russia *(Putin)* [ru] <b> `a_b` **x_y**"))
        Russia \*(Putin)\* \[ru\] \<b\> `a_b` **x_y**
    """
    parts = text.split("`")
    escaped = ["**".join(_md_escape(b) for b in p.split("**")) if i % 2 == 0 else p
               for i, p in enumerate(parts)]
    if len(parts) % 2 == 0:  # an unpaired backtick is a character, not code
        escaped[-2:] = [escaped[-2] + "\\`" + _md_escape(parts[-1])]
    out = "`".join(escaped)
    return _MD_LINE_START.sub(_md_block_start, out, count=1)


def _inline(text: str) -> str:
    """Escape text for HTML, turning ``**bold**`` and `` `code` `` into tags."""
    parts = html.escape(text).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    out = "".join(parts)
    bold = out.split("**")
    for i in range(1, len(bold), 2):
        bold[i] = f"<strong>{bold[i]}</strong>"
    return "".join(bold)


def pct(x: float) -> str:
    """A share as a percentage with one decimal ("62.5%"); "n/a" for NaN."""
    return "n/a" if x is None or np.isnan(x) else f"{100 * x:.1f}%"


def pct_ci(rate: float, n: int) -> str:
    """A rate over ``n`` runs with its Wilson 95% interval ("62.5% (55.1-69.4%)")."""
    from sim.experiment.intervals import wilson

    if rate is None or np.isnan(rate) or not n:
        return pct(rate)
    lo, hi = wilson(round(rate * n), n)
    return f"{100 * rate:.1f}% ({100 * float(lo):.1f}-{100 * float(hi):.1f}%)"


def num(x: float, digits: int = 3) -> str:
    """A float to ``digits`` decimals; "n/a" for NaN."""
    return "n/a" if x is None or np.isnan(x) else f"{x:.{digits}f}"
