"""The build context: everything a build of the book reads about itself, loaded and validated once.

``BuildContext.load(root)`` reads, from one copy of the book (the repository, a book copy in a test, the
checkout of an earlier version):

* ``CITATION.cff`` (title, authors, version and date: the one source of the version; read only here);
* ``data/living/versions.yaml`` (every released version), checked against CITATION.cff;
* the evidence records and the bibliography (``data/*.yaml``, ``references.bib``);
* the living files (saved searches, search and screening logs), cross-checked against the evidence;
* the repository address (``repository.url`` in ``_config.yml``: the one setting every link is made from).

Any problem raises :class:`BuildContextError` with every message (file, entry, field), so a bad file fails the
build at its start whatever the execution cache holds. The Sphinx extension loads one per build
(``builder-inited``) and shares it with the roles, the directives, the status line and the citation files; the
PDF printer and the version archive load their own, once per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional

import yaml

from ..evidence import Evidence, EvidenceError, load_evidence
from ..evidence.yaml_files import safe_load
from ..living import LivingData, LivingDataError, load_living
from ..living.versions import (
    Citation,
    VersionEntry,
    VersionsError,
    check_agreement,
    load_citation,
    load_versions,
)
from ..paths import (
    BIB_PATH,
    CITATION_PATH,
    CONFIG_PATH,
    DATA_DIR,
    REPO_ROOT,
    VERSIONS_PATH,
    under,
)
from ..results.values import Resolver

#: The repository address the project started with. It stands until a real one is set in _config.yml
#: (``repository.url``); while it does, the How to cite page says the address is a placeholder.
PLACEHOLDER_REPOSITORY = "https://github.com/il6mm-living-review/il6mm-living-review"


class BuildContextError(ValueError):
    """A file the build reads about itself does not validate (the message names file, entry and field)."""


@dataclass(frozen=True)
class Repository:
    """Where the book's source lives: ``repository.url`` and ``repository.branch`` of ``_config.yml``."""

    url: str
    branch: str = "main"

    @property
    def is_placeholder(self) -> bool:
        return self.url.rstrip("/") == PLACEHOLDER_REPOSITORY

    def tree(self, commit: str) -> str:
        """The source tree at one commit (a commit travels with every clone and fork; a tag does not)."""
        return f"{self.url.rstrip('/')}/tree/{commit}"

    def blob(self, commit: str, path: str) -> str:
        return f"{self.url.rstrip('/')}/blob/{commit}/{path}"

    @property
    def pages_url(self) -> Optional[str]:
        """The GitHub Pages address of a github.com repository (where its workflows deploy the site), else None."""
        parts = self.url.rstrip("/").split("/")
        if len(parts) == 5 and parts[2] == "github.com":
            owner, name = parts[3], parts[4]
            return f"https://{owner.lower()}.github.io/{name}/"
        return None


def load_site_url(config_path: Path | str = CONFIG_PATH) -> Optional[str]:
    """``html.baseurl`` of ``_config.yml``: where the site is published, when it is (else None)."""
    try:
        config = safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BuildContextError(f"{Path(config_path).name}: cannot be read: {exc}") from None
    url = (config.get("html") or {}).get("baseurl")
    return url.rstrip("/") + "/" if isinstance(url, str) and url.strip() else None


def load_repository(config_path: Path | str = CONFIG_PATH) -> Repository:
    """``repository`` of ``_config.yml`` (errors name the file and the field)."""
    path = Path(config_path)
    try:
        config = safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BuildContextError(f"{path.name}: cannot be read: {exc}") from None
    repository = config.get("repository") or {}
    url = repository.get("url") if isinstance(repository, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise BuildContextError(f"{path.name}: field 'repository.url' must be the repository's web address "
                                f"(https://...), not {url!r}")
    return Repository(url.rstrip("/"), str(repository.get("branch") or "main"))


@dataclass
class BuildContext:
    """What one build reads about itself (see the module docstring)."""

    root: Path
    citation: Citation
    versions: list[VersionEntry]
    evidence: Evidence
    living: LivingData
    repository: Repository
    site_url: Optional[str] = None   # html.baseurl: where the site is published, when it is

    @classmethod
    def load(cls, root: Path | str = REPO_ROOT) -> "BuildContext":
        root = Path(root)
        try:
            citation = load_citation(under(root, CITATION_PATH))
            versions = load_versions(under(root, VERSIONS_PATH))
            check_agreement(versions, citation)
        except VersionsError as exc:
            raise BuildContextError(str(exc)) from None
        data, bib = under(root, DATA_DIR), under(root, BIB_PATH)
        try:
            evidence = load_evidence(data, bib)
        except EvidenceError as exc:
            raise BuildContextError(f"the evidence records do not load:\n{exc}") from None
        try:
            living = load_living(data, bib, evidence=evidence)
        except LivingDataError as exc:
            raise BuildContextError(f"the living-review files do not validate:\n{exc}") from None
        config = under(root, CONFIG_PATH)
        return cls(root, citation, versions, evidence, living, load_repository(config), load_site_url(config))

    @property
    def latest(self) -> VersionEntry:
        return self.versions[-1]

    def version_url(self, page: Optional[str] = None) -> str:
        """The lasting address of this version (or of one of its pages): its copy on the published site
        (``versions/X.Y.Z/``, which stays when later versions come), else its source at the commit it was
        released from (a commit travels with every clone and fork; a tag does not)."""
        version = self.citation.version
        if self.site_url:
            return f"{self.site_url}versions/{version}/" + (f"{page}.html" if page else "")
        commit = self.latest.commit
        return self.repository.blob(commit, f"{page}.md") if page else self.repository.tree(commit)

    @cached_property
    def resolver(self) -> Resolver:
        """The value resolver of this build (records and named results computed once, on first use)."""
        return Resolver(self.root, self.evidence)
