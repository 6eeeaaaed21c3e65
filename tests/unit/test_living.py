"""The living files (saved searches, search log, screening log), de-duplication, the flow counts and the
surveillance run with a stand-in client (the PubMed client itself: test_living_pubmed.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import REPO
from il6mm.evidence.bibliography import parse_bib
from il6mm.living import LivingDataError, load_living, load_screening
from il6mm.living.dedup import (Known, classify, deduplicate, first_author_of_bib, known_from_bib,
                                normalise_title)
from il6mm.living.files import write_all_or_nothing
from il6mm.living.flow import FlowError, VersionFlow, flow_table, version_flows
from il6mm.living.logs import normalise_doi
from il6mm.living.pubmed import Hit, SearchError
from il6mm.living.run import pending_lines, run_searches
from living_helpers import digests, living_copy, write_searches

TODAY = dt.date(2026, 12, 1)


def _append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# --- the files as committed --------------------------------------------------------------------------------

def test_the_committed_living_files_validate():
    living = load_living()
    assert [s.source for s in living.searches] == ["PubMed"] * 3
    assert living.searched_up_to() == max(r.window.to for r in living.runs) >= dt.date(2026, 12, 2)
    assert [(r.kind, r.version) for r in living.runs][:2] == [("manual", "0.1.0"), ("manual", "0.2.0")]
    assert all(r.kind == "manual" for r in living.runs)  # no saved search has run here yet (needs internet)
    for manual in living.runs:
        assert (manual.hits, manual.new, manual.duplicates) == (None, None, None)  # unknown, not invented


def test_the_screening_log_takes_identifiers_only_from_the_bibliography():
    bib = parse_bib(REPO / "references.bib")
    for c in load_living().screening:
        entry = bib[c.bib_key]
        assert c.pmid == entry.get("pmid") and c.doi == entry.get("doi"), c.id


def test_the_saved_queries_use_eutilities_field_tags():
    for s in load_living().searches:
        tags = set(__import__("re").findall(r"\[(\w+)\]", s.query))
        assert tags <= {"mh", "tiab", "ti", "nm", "dp"}, (s.id, tags)
        assert s.date_field == "edat" and s.schedule == "monthly"


# --- bad input ----------------------------------------------------------------------------------------------

PENDING = ("\n- id: pubmed-1\n  pmid: '1'\n  title: A title\n  found_in: 2026-11-27-manual-v0.1.0\n"
           "  decision: {decision}\n{extra}")


@pytest.mark.parametrize("decision, extra, field, message", [
    ("maybe", "", "decision", "unknown decision 'maybe'"),
    ("excluded", "  reason: boring\n  decided: 2026-12-01\n", "reason", "unknown reason 'boring'"),
    ("excluded", "  decided: 2026-12-01\n", "reason", "an exclusion needs a reason"),
    ("excluded", "  reason: other\n  decided: 2026-12-01\n", "note", "reason 'other' needs a note"),
    ("included", "  decided: 2026-12-01\n  record_ids: [no-such-record]\n  bib_key: matthes2016revisiting\n",
     "record_ids[0]", "no evidence record with id 'no-such-record'"),
    ("included", "  decided: 2026-12-01\n  record_ids: [orlowski2015]\n  bib_key: nosuchkey\n",
     "bib_key", "'nosuchkey' is not a key of references.bib"),
    ("included", "  record_ids: [orlowski2015]\n  bib_key: orlowski2015siltuximab\n", "decided",
     "a decision needs the date"),
    ("pending", "  colour: blue\n", "colour", "unknown field"),
])
def test_a_bad_screening_entry_is_named_with_file_entry_and_field(tmp_path, decision, extra, field, message):
    data, bib = living_copy(tmp_path)
    _append(data / "living" / "screening.yaml", PENDING.format(decision=decision, extra=extra))
    with pytest.raises(LivingDataError) as err:
        load_living(data, bib)
    text = str(err.value)
    assert "data/living/screening.yaml" in text and "record 'pubmed-1'" in text
    assert f"field '{field}'" in text and message in text, text


@pytest.mark.parametrize("identifier", ["pmid: '27497026'", "doi: HTTPS://doi.org/10.1016/J.CRITREVONC.2016.07.006"])
def test_a_duplicate_identifier_is_an_error(tmp_path, identifier):
    data, bib = living_copy(tmp_path)
    _append(data / "living" / "screening.yaml", f"\n- id: again\n  {identifier}\n  title: t\n"
            "  found_in: 2026-11-27-manual-v0.1.0\n  decision: pending\n")
    with pytest.raises(LivingDataError, match=r"record 'again': field '(pmid|doi)': duplicate identifier"):
        load_living(data, bib)


def test_a_candidate_from_an_unknown_run_is_an_error(tmp_path):
    data, bib = living_copy(tmp_path)
    _append(data / "living" / "screening.yaml", "\n- id: x\n  pmid: '5'\n  title: t\n  found_in: nowhere\n"
            "  decision: pending\n")
    with pytest.raises(LivingDataError, match="field 'found_in': run 'nowhere' is not in the search log"):
        load_living(data, bib)


@pytest.mark.parametrize("change, field, message", [
    (("hits: null", "hits: 5"), None, None),  # counts may be partly known...
    (("hits: null\n  new: null\n  duplicates: null", "hits: 5\n  new: 1\n  duplicates: 1"), "hits",
     "hits (5) must equal new (1) + duplicates (1)"),
    (("hits: null", "hits: -1"), "hits", "cannot be negative"),
    (("kind: manual", "kind: automatic"), "kind", "Input should be"),
    (("    to: 2026-11-27", "    to: 2026-12-27"), "window.to", "window ends after the run date"),
])
def test_a_bad_search_log_entry_is_named(tmp_path, change, field, message):
    data, bib = living_copy(tmp_path)
    path = data / "living" / "search_log.yaml"
    text = path.read_text()
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1]))
    if field is None:
        load_living(data, bib)
        return
    with pytest.raises(LivingDataError) as err:
        load_living(data, bib)
    assert "data/living/search_log.yaml" in str(err.value) and f"field '{field}'" in str(err.value)
    assert message in str(err.value)


def test_a_bad_saved_search_is_named(tmp_path):
    data, bib = living_copy(tmp_path)
    path = data / "living" / "searches.yaml"
    path.write_text(path.read_text().replace("date_field: edat", "date_field: someday", 1))
    with pytest.raises(LivingDataError, match=r"searches.yaml.*record 'pubmed-il6-blockade-myeloma': "
                                               r"field 'date_field'"):
        load_living(data, bib)


# --- de-duplication -----------------------------------------------------------------------------------------

def _hit(**kw):
    base = dict(pmid=None, doi=None, title="Revisiting IL-6 antagonism in multiple myeloma", year=2016,
                first_author="Matthes", journal=None)
    return Hit(**{**base, **kw})


@pytest.fixture(scope="module")
def known():
    return known_from_bib(parse_bib(REPO / "references.bib"))


def test_normalisation():
    assert normalise_doi(" https://doi.org/10.1016/J.X ") == "10.1016/j.x"
    assert normalise_doi("doi:10.1/A") == "10.1/a"
    assert normalise_title("Revisiting {IL-6} antagonism: in  Myeloma.") == "revisiting il 6 antagonism in myeloma"
    assert first_author_of_bib("Matthes, Thomas and Manfroi, Benoit") == "Matthes"
    assert first_author_of_bib("{[authors not displayed on the checked pages]}") is None


def test_an_exact_pmid_is_a_duplicate(known):
    match = classify(_hit(pmid="27497026", title="something else entirely"), known)
    assert (match.kind, match.keys) == ("pmid", ["matthes2016revisiting"])


def test_a_doi_matches_whatever_its_case_and_prefix(known):
    match = classify(_hit(doi="https://doi.org/10.1016/J.CRITREVONC.2016.07.006", title="x"), known)
    assert (match.kind, match.keys) == ("doi", ["matthes2016revisiting"])


def test_a_near_identical_title_with_year_and_author_is_a_duplicate(known):
    match = classify(_hit(title="Revisiting IL-6 antagonism in multiple myeloma.", year=2017), known)
    assert match.kind == "fuzzy" and match.keys == ["matthes2016revisiting"]


@pytest.mark.parametrize("change", [dict(first_author="Smith"), dict(year=2020),
                                    dict(title="Revisiting IL-6 antagonism in smouldering myeloma")])
def test_a_grey_zone_pair_is_ambiguous_and_kept(known, change):
    hit = _hit(**change)
    assert classify(hit, known).kind == "ambiguous"
    result = deduplicate([hit], known)
    assert result.new == [hit] and not result.duplicates
    assert result.possible_duplicates(hit) == ["matthes2016revisiting"]


def test_an_unrelated_record_is_new_and_a_repeat_within_a_run_is_a_duplicate(known):
    hit = _hit(pmid="99999999", title="Sperm motility in the sea bream", first_author="Taddei", year=2001)
    result = deduplicate([hit, hit], known)
    assert result.new == [hit] and [m.kind for m in result.duplicates] == ["pmid"]


def test_known_records_need_not_have_every_field():
    k = [Known("a", None, None, normalise_title("A study of things"), None, None)]
    assert classify(_hit(title="A study of things", year=2001), k).kind == "ambiguous"


# --- the flow -------------------------------------------------------------------------------------------------

def test_the_flow_of_the_manual_searches_shows_unknown_counts_as_unknown():
    living = load_living()
    flows = flow_table(living)
    versions = list(dict.fromkeys(r.version for r in living.runs))
    assert [f.version for f in flows][:2] == ["0.1.0", "0.2.0"] and flows[-1].version == "cumulative"
    assert len(flows) == len(versions) + 1
    for flow in flows:
        assert (flow.identified, flow.duplicates_removed, flow.screened, flow.excluded) == (None,) * 4
        assert flow.pending == 0
    included = [f.included for f in flows]
    assert included[:2] == [40, 6] and included[-1] == sum(included[:-1])
    assert included[-1] == sum(c.decision == "included" for c in living.screening)


def _flow(**kw):
    base = dict(version="next", label="next", runs=("r",), identified=10, duplicates_removed=3, screened=7,
                excluded=4, excluded_by_reason={"not_myeloma": 4}, included=1, pending=2, logged=7)
    return VersionFlow(**{**base, **kw})


def test_counts_that_add_up_pass():
    _flow().check()


@pytest.mark.parametrize("change, message", [
    (dict(identified=11), r"identified \(11\) != duplicates removed \(3\) \+ screened \(7\)"),
    (dict(pending=3), r"screened \(7\) != excluded \(4\) \+ included \(1\) \+ awaiting screening \(3\)"),
    (dict(excluded_by_reason={"not_myeloma": 3}), "exclusions by reason"),
    (dict(logged=6), "the screening log has 6 entries"),
    (dict(included=-1, pending=5), "negative"),
])
def test_counts_that_do_not_add_up_raise(change, message):
    with pytest.raises(FlowError, match=message):
        _flow(**change).check()


def test_a_screening_log_that_disagrees_with_the_search_log_raises(tmp_path):
    data, bib = living_copy(tmp_path)
    _append(data / "living" / "search_log.yaml",
            "\n- run: r1\n  kind: saved_search\n  date: 2026-12-01\n  source: PubMed\n  query_id: pubmed-crs-bcma-gprc5d\n"
            "  query: q\n  window: {from: 2026-11-28, to: 2026-12-01}\n  hits: 3\n  new: 2\n  duplicates: 1\n")
    _append(data / "living" / "screening.yaml",
            "\n- id: pubmed-1\n  pmid: '1'\n  title: t\n  found_in: r1\n  decision: pending\n")
    with pytest.raises(FlowError, match="the search log counts 2 new records, the screening log has 1"):
        version_flows(load_living(data, bib))


# --- the run, with a stand-in client --------------------------------------------------------------------------

class FakeClient:
    def __init__(self, hits=None, error=None):
        self.hits, self.error, self.calls = hits or [], error, []

    def run(self, query, date_field, mindate, maxdate):
        self.calls.append((mindate, maxdate))
        if self.error:
            raise self.error
        return list(self.hits)


NEW = Hit("41000001", "10.9999/new.1", "A new trial of IL-6 blockade", 2026, "Doe", "Blood")
DUP = Hit("27497026", None, "Revisiting IL-6 antagonism in multiple myeloma", 2016, "Matthes", None)


def _run(data, bib, client, today=TODAY, **kw):
    return run_searches(today, data_dir=data, bib_path=bib, clients={"PubMed": lambda progress: client},
                        progress=lambda line: None, **kw)


def test_a_run_appends_pending_candidates_and_one_log_entry_per_search(tmp_path):
    data, bib = living_copy(tmp_path)
    client = FakeClient([NEW, DUP])
    report = _run(data, bib, client)
    assert report.written and report.new == 3 - 2  # the same new hit from three searches counts once
    assert client.calls == [(dt.date(2016, 1, 1), TODAY)] * 3
    living = load_living(data, bib)
    assert [c.id for c in living.pending()] == ["pubmed-41000001"]
    runs = [r for r in living.runs if r.kind == "saved_search"]
    assert [(r.hits, r.new, r.duplicates) for r in runs] == [(2, 1, 1), (2, 0, 2), (2, 0, 2)]
    flows = flow_table(living)
    assert flows[-1].label == "cumulative" and flows[1].identified is None  # the manual search of 2026-12-01
    # The new runs belong to no released version yet: they form the "next version" column.
    assert flows[-2].label.endswith("(next version)")
    assert flows[-2].pending == 1 and flows[-2].runs[-3:] == tuple(r.run for r in runs)
    assert pending_lines(living)[0].startswith("pubmed-41000001  PMID 41000001  Doe 2026")


def test_running_twice_adds_nothing(tmp_path):
    data, bib = living_copy(tmp_path)
    _run(data, bib, FakeClient([NEW]))
    before = digests(data)
    client = FakeClient([NEW])
    report = _run(data, bib, client)
    assert not report.written and client.calls == [] and digests(data) == before
    # Searching the same window again finds only duplicates: the screening log does not change.
    screening = (data / "living" / "screening.yaml").read_bytes()
    report = _run(data, bib, FakeClient([NEW]), window=(dt.date(2016, 1, 1), TODAY))
    assert report.new == 0 and (data / "living" / "screening.yaml").read_bytes() == screening


def test_the_next_run_starts_the_day_after_the_last_window(tmp_path):
    data, bib = living_copy(tmp_path)
    _run(data, bib, FakeClient([]))
    client = FakeClient([])
    _run(data, bib, client, today=dt.date(2027, 1, 5))
    assert client.calls == [(dt.date(2026, 12, 2), dt.date(2027, 1, 5))] * 3


@pytest.mark.parametrize("error", [SearchError("PubMed", "efetch (records 1-2 of 2)", "malformed XML"),
                                   KeyboardInterrupt()])
def test_a_failed_or_interrupted_run_leaves_every_file_as_it_was(tmp_path, error):
    data, bib = living_copy(tmp_path)
    before = digests(data)

    class FailsOnSecond(FakeClient):
        def run(self, *args):
            if self.calls:
                raise error
            return super().run(*args)

    with pytest.raises(type(error)):
        _run(data, bib, FailsOnSecond([NEW]))
    assert digests(data) == before


def test_a_failed_write_leaves_every_file_as_it_was(tmp_path, monkeypatch):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("old a"), b.write_text("old b")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("il6mm.living.files.os.replace", broken_replace)
    with pytest.raises(OSError):
        write_all_or_nothing({a: "new a", b: "new b"})
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


def test_the_command_line_lists_pending_and_reports_errors(tmp_path, monkeypatch, capsys):
    from il6mm.living import run

    data, bib = living_copy(tmp_path)
    write_searches(data, "myeloma[tiab]")
    monkeypatch.setattr(run, "DATA_DIR", data)
    monkeypatch.setattr(run, "BIB_PATH", bib)
    monkeypatch.setattr(run, "load_living", lambda *a, **k: load_living(data, bib, *a[2:], **k))
    monkeypatch.delenv("IL6MM_ENTREZ_EMAIL", raising=False)
    assert run.main(["search"]) == 1
    err = capsys.readouterr().err
    assert "PubMed: set-up: set IL6MM_ENTREZ_EMAIL" in err and "Nothing was written" in err
    assert run.main(["pending"]) == 0
    assert "0 candidate(s) awaiting screening." in capsys.readouterr().out


def test_load_screening_alone_checks_duplicates(tmp_path):
    path = tmp_path / "screening.yaml"
    path.write_text("- {id: a, pmid: '1', title: t, found_in: r, decision: pending}\n"
                    "- {id: a, pmid: '2', title: t, found_in: r, decision: pending}\n")
    with pytest.raises(LivingDataError, match="record 'a': field 'id': duplicate id"):
        load_screening(path)


def test_the_flow_figure_draws_every_box_with_unknown_counts_as_unknown():
    from il6mm.figures.living import flow_figure

    flows = flow_table(load_living())
    fig = flow_figure(flows)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Version 0.1.0" in texts
    assert "Identified\nunknown" in texts and "Included\n40" in texts and f"Included\n{flows[-1].included}" in texts
    assert "Awaiting screening\n0" in texts and any(t.startswith("Excluded\nunknown") for t in texts)
    assert "Version 0.2.0" in texts and "Cumulative" in texts
    with pytest.raises(ValueError):
        flow_figure([])


def test_make_search_and_make_pending_call_the_package():
    makefile = (REPO / "Makefile").read_text()
    assert "-m il6mm.living search" in makefile and "-m il6mm.living pending" in makefile
    assert "make search" not in (REPO / ".ci" / "run").read_text()


def test_queries_are_shown_wrapped_but_unchanged():
    from il6mm.living.report import wrap_query

    for search in load_living().searches:
        wrapped = wrap_query(search.query, 60)
        assert wrapped.split() == search.query.split()
        for line in wrapped.splitlines():
            assert line.count('"') % 2 == 0, line  # never broken inside a quoted phrase


@pytest.mark.parametrize("change, message", [
    (lambda entry, entries: entry["record_ids"].remove("orlowski2015"),
     "the screening entry '{id}' of its source 'orlowski2015siltuximab' does not list it: add 'orlowski2015'"),
    (lambda entry, entries: entries.remove(entry),
     "its source 'orlowski2015siltuximab' has no included entry in data/living/screening.yaml"),
])
def test_every_sourced_record_comes_from_a_screened_reference(tmp_path, change, message):
    import yaml

    data, bib = living_copy(tmp_path)
    path = data / "living" / "screening.yaml"
    entries = yaml.safe_load(path.read_text())
    entry = next(e for e in entries if e.get("bib_key") == "orlowski2015siltuximab")
    change(entry, entries)
    path.write_text(yaml.safe_dump(entries, sort_keys=False))
    with pytest.raises(LivingDataError) as err:
        load_living(data, bib)
    assert f"data/studies.yaml: record 'orlowski2015': field 'source': {message.format(id=entry['id'])}" in str(err.value)


def test_the_status_tells_targeted_searches_from_saved_database_searches(tmp_path):
    from il6mm.living.report import search_status_text

    data, bib = living_copy(tmp_path)
    before = search_status_text(load_living(data, bib))
    targeted = max(r.window.to for r in load_living(data, bib).runs if r.kind == "manual")
    assert before == [f"targeted searches of stored pages, last on {targeted.isoformat()}",
                      "saved database searches: not yet run"]
    _run(data, bib, FakeClient([NEW, DUP]))
    after = search_status_text(load_living(data, bib))
    # The new candidate awaits screening: run, but nothing screened yet.
    assert after[1] == f"saved database searches last run on {TODAY.isoformat()}, 0 records screened"
