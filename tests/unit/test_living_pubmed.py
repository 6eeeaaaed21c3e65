"""The PubMed client through Bio.Entrez's real HTTP plumbing (urllib), replayed from cassettes built from
Biopython's sample E-utilities responses (tests/fixtures/entrez/). No test reaches the network: the
cassettes replay in record mode "none" and every other connection is blocked."""

from __future__ import annotations

import datetime as dt
import socket
from urllib.error import URLError

import pytest
import vcr as vcrpy
from vcr.errors import CannotOverwriteExistingCassetteException

from il6mm.living import load_living
from il6mm.living.pubmed import Hit, PubMedClient, SearchError
from il6mm.living.run import run_searches
from conftest import TESTS
from living_helpers import digests, living_copy, write_searches

pytestmark = pytest.mark.block_network  # pytest-recording: any connection outside a cassette raises

WINDOW = (dt.date(2026, 11, 28), dt.date(2026, 12, 1))
SHORT_QUERY = '"Multiple Myeloma"[mh] AND siltuximab[tiab]'
TADDEI = Hit(pmid="11748933", doi="10.1006/cryo.2001.2328",
             title="Is cryopreservation a homogeneous process? Ultrastructure and motility of untreated, "
                   "prefreezing, and postthawed spermatozoa of Diplodus puntazzo (Cetti).",
             year=2001, first_author="Taddei", journal="Cryobiology")


CASSETTES = TESTS / "cassettes" / "entrez"
#: Replay only (record mode "none"); e-mail and API key are filtered out of requests before matching.
VCR = vcrpy.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                filter_query_parameters=["api_key", "email"], filter_post_data_parameters=["api_key", "email"],
                match_on=["method", "scheme", "host", "port", "path", "query", "body"])


@pytest.fixture()
def client(monkeypatch):
    monkeypatch.setenv("IL6MM_ENTREZ_EMAIL", "tests@example.org")
    monkeypatch.setenv("NCBI_API_KEY", "not-a-real-key")
    return PubMedClient(max_tries=1, progress=lambda line: None)


@VCR.use_cassette("saved_query.yaml")
def test_a_saved_query_is_searched_and_its_records_read(client):
    query = next(s for s in load_living().searches if s.id == "pubmed-crs-bcma-gprc5d").query
    hits = client.run(query, "edat", *WINDOW)
    assert [h.pmid for h in hits] == ["11748933", "11700088"]
    assert hits[0] == TADDEI
    assert (hits[1].first_author, hits[1].year, hits[1].doi) == ("Casieri", 2001, "10.1006/jmre.2001.2429")


@VCR.use_cassette("paged.yaml")
def test_results_are_read_page_by_page(client):
    client.batch_size = 1
    assert [h.pmid for h in client.run(SHORT_QUERY, "edat", *WINDOW)] == ["11748933", "11700088"]


@VCR.use_cassette("no_hits.yaml")
def test_no_hits_is_an_empty_result(client):
    assert client.run(SHORT_QUERY, "edat", *WINDOW) == []


@pytest.mark.parametrize("cassette, step, message", [
    ("truncated_efetch.yaml", "efetch (records 1-2 of 2)", "malformed XML"),
    ("missing_record.yaml", "efetch (records 1-3 of 3)", "truncated response: no record for PMID 9997"),
    ("http_503.yaml", "esearch (edat 2026-11-28..2026-12-01, from 0)", "HTTP error 503"),
    ("phrase_not_found.yaml", "esearch (edat 2026-11-28..2026-12-01, from 0)", "phrases not found in PubMed: abcXYZ"),
])
def test_a_bad_response_names_the_source_and_the_step(client, cassette, step, message):
    with VCR.use_cassette(cassette):
        with pytest.raises(SearchError) as err:
            client.run(SHORT_QUERY, "edat", *WINDOW)
    assert (err.value.source, err.value.step) == ("PubMed", step)
    assert str(err.value).startswith(f"PubMed: {step}: {message}"), str(err.value)


@VCR.use_cassette("short_query.yaml")
def test_the_whole_run_over_recorded_responses(client, tmp_path, monkeypatch):
    data, bib = living_copy(tmp_path)
    write_searches(data, SHORT_QUERY)
    # 11700088 is already a candidate: it is a duplicate, 11748933 is new.
    with (data / "living" / "screening.yaml").open("a") as handle:
        handle.write("- id: earlier\n  pmid: '11700088'\n  title: Proton MRI of (13)C distribution\n"
                     "  found_in: 2026-11-27-manual-v0.1.0\n  decision: pending\n")
    lines = []
    report = run_searches(WINDOW[1], data_dir=data, bib_path=bib, progress=lines.append,
                          clients={"PubMed": lambda progress: client})
    assert report.written and report.new == 1
    living = load_living(data, bib)
    run = living.runs[-1]
    assert (run.run, run.window.from_, run.window.to) == ("2026-12-01-pubmed-test", *WINDOW)
    assert (run.hits, run.new, run.duplicates, run.ambiguous) == (2, 1, 1, 0)
    assert [c.id for c in living.pending()] == ["earlier", "pubmed-11748933"]
    assert any("searching edat 2026-11-28..2026-12-01" in line for line in lines)
    assert any("2 hits, 1 new (0 ambiguous), 1 duplicates" in line for line in lines)
    # The same day again: nothing to search, nothing written.
    before = digests(data)
    assert not run_searches(WINDOW[1], data_dir=data, bib_path=bib, progress=lines.append,
                            clients={"PubMed": lambda progress: client}).written
    assert digests(data) == before


@pytest.mark.parametrize("cassette", ["truncated_efetch.yaml", "http_503.yaml", "missing_record.yaml"])
def test_a_failed_run_leaves_every_log_byte_identical(client, tmp_path, cassette):
    data, bib = living_copy(tmp_path)
    write_searches(data, SHORT_QUERY)
    before = digests(data)
    with VCR.use_cassette(cassette), pytest.raises(SearchError):
        run_searches(WINDOW[1], data_dir=data, bib_path=bib, progress=lambda line: None,
                     clients={"PubMed": lambda progress: client})
    assert digests(data) == before


@pytest.mark.parametrize("failure", [socket.timeout("timed out"), URLError(socket.timeout("timed out"))])
def test_a_timeout_names_the_step_and_leaves_the_logs(client, tmp_path, monkeypatch, failure):
    def times_out(request, *args, **kwargs):
        raise failure

    monkeypatch.setattr("Bio.Entrez.urlopen", times_out)
    data, bib = living_copy(tmp_path)
    write_searches(data, SHORT_QUERY)
    before = digests(data)
    with pytest.raises(SearchError, match=r"^PubMed: esearch \(edat .*\): timed out after 60 s"):
        run_searches(WINDOW[1], data_dir=data, bib_path=bib, progress=lambda line: None,
                     clients={"PubMed": lambda progress: client})
    assert digests(data) == before


def test_the_cassettes_hold_no_email_or_api_key():
    for path in (TESTS / "cassettes" / "entrez").glob("*.yaml"):
        text = path.read_text()
        assert "email=" not in text and "api_key=" not in text and "example.org" not in text, path.name


@VCR.use_cassette("short_query.yaml")
def test_a_request_that_was_not_recorded_fails_loudly(client):
    with pytest.raises(SearchError, match="^PubMed: esearch") as err:
        client.run("an unrecorded query", "edat", *WINDOW)
    assert isinstance(err.value.__cause__, CannotOverwriteExistingCassetteException)


def test_a_network_connection_in_tests_fails_loudly():
    with socket.socket() as sock, pytest.raises(RuntimeError, match="Network is disabled"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never reached, the guard raises first
