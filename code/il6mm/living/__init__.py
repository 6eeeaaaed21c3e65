"""The living review: saved searches, the search and screening logs, the surveillance run and the flow;
its versions, what changed between them, and releases.

* ``searches``   the saved searches (``data/living/searches.yaml``): source, query, date field, schedule;
* ``logs``       the search log (one entry per run) and the screening log (one entry per candidate),
  their schemas, loading with cross-checks, and atomic writes;
* ``pubmed``     the PubMed client (Biopython's ``Bio.Entrez``);
* ``dedup``      de-duplication of hits against ``references.bib`` and the screening log;
* ``run``        ``python -m il6mm.living search | pending``: run every saved search since its last run;
* ``flow``       PRISMA 2020 / PRISMA-LSR flow counts per version, checked to add up;
* ``versions``   the versions file (``data/living/versions.yaml``) and CITATION.cff, validated;
* ``changes``    what changed in the evidence between two git revisions, by comparing the loaded records;
* ``release``    ``make release``: one new version, written everywhere, committed and tagged.

Imports evidence (records, bibliography), never figures or site.
"""

from .logs import (DECISIONS, REASONS, Candidate, LivingData, LivingDataError, SearchRun, load_living,
                   load_screening, load_search_log)
from .searches import SavedSearch, load_searches

__all__ = ["DECISIONS", "REASONS", "Candidate", "LivingData", "LivingDataError", "SavedSearch", "SearchRun",
           "load_living", "load_screening", "load_search_log", "load_searches"]
