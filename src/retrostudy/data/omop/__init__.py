"""OMOP CDM v5.4 input: map a CDM's tables to the canonical record tables.

:mod:`.concepts` is the mapping spec and the default concept sets; the loader builds every
canonical table as an Ibis expression on the caller's backend (docs/data-model.md).
"""
