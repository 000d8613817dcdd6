"""retrostudy: a retrospective cohort study from hospital records, from one protocol file."""

__version__ = "0.1.0"
