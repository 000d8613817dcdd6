"""Synthetic hospital extracts: the seed study (calibrated to the paper) and large cohorts.

- :func:`generate_seed_study` — the seed study's 51-patient extract; every count the paper
  prints holds exactly, and the time-to-event results are calibrated as closely as a
  constructed dataset allows (``seed_calibration.json``, written by ``calibrate.py``).
- :func:`generate_cohort` — N patients with realistic, uncalibrated distributions.
- :func:`write_study` — one CSV or Parquet file per table plus ``truth``.

Everything here is SYNTHETIC: no real patient; every patient id starts with ``SYN``.
"""

from retrostudy.synth.cohort import generate_cohort
from retrostudy.synth.seed import generate_seed_study, load_calibration
from retrostudy.synth.study import SYNTHETIC_NOTE, SyntheticStudy, write_study

__all__ = [
    "SYNTHETIC_NOTE",
    "SyntheticStudy",
    "generate_cohort",
    "generate_seed_study",
    "load_calibration",
    "write_study",
]
