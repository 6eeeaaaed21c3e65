"""The review as a living document: its versions, what changed between them, and releases.

* ``versions``  the versions file (``data/living/versions.yaml``) and CITATION.cff, validated;
* ``changes``   what changed in the evidence between two git revisions, by comparing the loaded records;
* ``release``   ``make release``: one new version, written everywhere, committed and tagged.
"""
