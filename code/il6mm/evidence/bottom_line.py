"""The bottom line where readers land: the key messages and a compact summary of findings, both generated from
the certainty records (``data/certainty.yaml``) and the records they name.

Both are MyST: numbers are ``{val}`` roles (each links to its record), the certainty is the ``{certainty}`` role
(the word, visible, and GRADE's symbols) and each row links to its full row on the Evidence tables page with
``{record-link}`` (roles of il6mm.site.roles). Every statement cites the sources of the records it rests on.
"""

from __future__ import annotations

from .markdown import table
from .problems import EvidenceError, Problem
from .records import Evidence
from .schema import KINDS, CertaintyRecord
from .tables import escape, studies_markdown

#: How many key messages the landing page shows (Cochrane's plain-language key messages: a few, short).
KEY_MESSAGES = (3, 6)
CERTAINTY_FILE = f"data/{KINDS['certainty'][0]}"


def sources_of(evidence: Evidence, row: CertaintyRecord) -> list[str]:
    """The references a row rests on: its own source, then those of the records it names, each once."""
    keys = [row.source] + [evidence.get(i).source for i in row.studies]
    return list(dict.fromkeys(k for k in keys if k))


def _cite(evidence: Evidence, row: CertaintyRecord) -> str:
    return "{footcite}`" + ",".join(sources_of(evidence, row)) + "`"


def key_message_rows(evidence: Evidence) -> list[CertaintyRecord]:
    """The certainty records that carry a key message, in file order; 3 to 6 of them, or an error naming
    the file and the records."""
    rows = [r for r in evidence.certainty if r.key_message]
    low, high = KEY_MESSAGES
    if not low <= len(rows) <= high:
        named = ", ".join(r.id for r in rows) or "none"
        raise EvidenceError([Problem(CERTAINTY_FILE, f"{len(rows)} records carry a key message ({named}); the "
                                     f"landing page shows {low} to {high}", field="key_message")])
    return rows


def key_messages_markdown(evidence: Evidence) -> str:
    """The key messages: one bullet each, its certainty first (word and symbols), its sources, and a link to
    its full row."""
    lines = []
    for r in key_message_rows(evidence):
        message = " ".join(r.key_message.split())
        lines.append(f"- {{certainty}}`{r.certainty}` {message} {_cite(evidence, r)} "
                     f"({{record-link}}`evidence and judgement <{r.id}>`)")
    return "\n".join(lines) + "\n"


def summary_table_markdown(evidence: Evidence) -> str:
    """The compact summary of findings: every certainty record, one row each: outcome, comparison, effect
    (with its sources), studies and patients, certainty, and a link to the full row."""
    if not evidence.certainty:
        raise EvidenceError([Problem(CERTAINTY_FILE, "no certainty record to summarise")])
    rows = []
    for r in evidence.certainty:
        rows.append((f"**{escape(r.outcome)}**", escape(r.comparison), f"{r.effect} {_cite(evidence, r)}",
                     studies_markdown(evidence, r), f"{{certainty}}`{r.certainty}`",
                     f"{{record-link}}`full row <{r.id}>`"))
    return table(("Outcome", "Comparison", "Effect", "Studies (patients)", "Certainty", "Details"), rows,
                 escape_cells=False)


#: What each certainty means here: how sure this review's authors are that the effect shown is close to the
#: true one (the review's own statement of its method, in plain words).
CERTAINTY_MEANING = {"high": "very sure", "moderate": "fairly sure", "low": "the true effect may be quite different",
                     "very low": "the true effect is likely to be quite different"}


def certainty_legend_markdown() -> str:
    """One line that says what the certainty words and symbols mean."""
    parts = [f"{{certainty}}`{level}`: {meaning}" for level, meaning in CERTAINTY_MEANING.items()]
    return ("How sure we are that each effect is close to the true one, judged by this review's authors in the "
            "GRADE way: " + "; ".join(parts) + ".\n")
