r"""E-values for a hazard ratio and its confidence limit (VanderWeele & Ding 2017).

The E-value is the minimum strength of association, on the risk-ratio scale, that an
unmeasured confounder would need with both the treatment and the outcome, conditional on
the measured covariates, to explain away an observed risk ratio RR:

.. math:: E = RR + \sqrt{RR\,(RR - 1)}\quad (RR \ge 1),\qquad
          RR < 1 \text{ is first inverted: } RR \to 1/RR.

For the confidence interval the E-value is computed for the limit closest to 1, and it is
1 when the interval contains 1 (no confounding is needed to move it to the null).

A hazard ratio is first put on the risk-ratio scale:

* rare outcome (VanderWeele's rule of thumb: below 15% at the end of follow-up):
  ``RR = HR``;
* common outcome: ``RR = (1 - 0.5**sqrt(HR)) / (1 - 0.5**sqrt(1/HR))`` (VanderWeele 2020),
  applied to the estimate and to each limit.

R equivalent: ``EValue::evalues.HR(est, lo, hi, rare = TRUE/FALSE)`` (null ``true = 1``).

References
----------
VanderWeele TJ, Ding P. Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 2017;167:268-274. VanderWeele TJ. Optimal approximate conversions
of odds ratios and hazard ratios to risk ratios. Biometrics 2020;76:746-752.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["EValue", "evalue_hr", "hr_to_rr"]

RARE_THRESHOLD = 0.15  # VanderWeele & Ding 2017: outcome prevalence below 15% is "rare"


@dataclass(frozen=True, slots=True, kw_only=True)
class EValue:
    """E-values of a hazard ratio and of its confidence limit closest to 1.

    ``hazard_ratio``, ``conf_low``, ``conf_high`` are the inputs; ``rr``, ``rr_low``,
    ``rr_high`` the risk ratios they were converted to under ``rare_outcome`` (True: the HR
    is taken as a risk ratio; False: the square-root transform of VanderWeele 2020).
    ``evalue`` is the E-value of the estimate, ``evalue_ci`` that of the limit closest to 1
    (1 when the interval contains 1; None without limits). ``limit`` names the limit used:
    ``"lower"``, ``"upper"``, ``"crosses 1"`` or None.
    """

    hazard_ratio: float
    conf_low: float | None
    conf_high: float | None
    rare_outcome: bool
    rr: float
    rr_low: float | None
    rr_high: float | None
    evalue: float
    evalue_ci: float | None
    limit: str | None

    @property
    def assumption(self) -> str:
        """The conversion from the hazard ratio to a risk ratio, in words."""
        if self.rare_outcome:
            return ("rare outcome (< 15% at the end of follow-up): the hazard ratio is taken "
                    "as a risk ratio")
        return ("common outcome: the hazard ratio is converted to a risk ratio by "
                "RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)) (VanderWeele 2020)")

    def sentence(self, digits: int = 2) -> str:
        """A Methods/Results sentence carrying these numbers and the assumption."""
        head = (f"E-value {self.evalue:.{digits}f} for the hazard ratio "
                f"{self.hazard_ratio:.{digits}f}")
        if self.evalue_ci is not None:
            head += f" and {self.evalue_ci:.{digits}f} for its confidence limit closest to 1"
            if self.limit == "crosses 1":
                head += " (the interval contains 1)"
        return (f"{head} (VanderWeele & Ding 2017; {self.assumption}).")


def _positive(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not (v > 0) or math.isnan(v):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return v


def hr_to_rr(hr: float, *, rare_outcome: bool) -> float:
    """The risk ratio a hazard ratio stands for: itself (rare outcome) or the square-root
    transform ``(1 - 0.5**sqrt(HR)) / (1 - 0.5**sqrt(1/HR))`` (common outcome).

    0 and infinity map to themselves; HR = 1 maps to 1.
    """
    hr = float(hr)
    if rare_outcome or hr == 1.0 or hr == 0.0 or math.isinf(hr):
        return hr
    return (1.0 - 0.5 ** math.sqrt(hr)) / (1.0 - 0.5 ** math.sqrt(1.0 / hr))


def _threshold(rr: float) -> float:
    """``RR + sqrt(RR (RR - 1))`` after putting RR on the side above 1."""
    if rr < 1.0:
        rr = 1.0 / rr
    if math.isinf(rr):
        return math.inf
    return rr + math.sqrt(rr * (rr - 1.0))


def evalue_hr(hazard_ratio: float, conf_low: float | None = None,
              conf_high: float | None = None, *, rare_outcome: bool) -> EValue:
    """E-values of a hazard ratio and of its confidence limit closest to 1.

    Parameters
    ----------
    hazard_ratio : float
        The point estimate, > 0.
    conf_low, conf_high : float, optional
        The confidence limits (both or neither); ``conf_low <= hazard_ratio <= conf_high``.
        An infinite upper or a zero lower limit (a monotone likelihood) is allowed.
    rare_outcome : bool
        Whether the outcome is rare (below about 15% at the end of follow-up): then the HR
        approximates the risk ratio; otherwise the square-root transform is used. There is
        no default: the choice is the analyst's and is recorded in the result.

    Returns
    -------
    EValue

    Examples
    --------
    HR 0.5 (0.3, 0.8) for a rare outcome: 1/0.5 = 2 gives 2 + sqrt(2) = 3.41, and the
    upper limit 1/0.8 = 1.25 gives 1.25 + sqrt(1.25 * 0.25) = 1.81:

    >>> e = evalue_hr(0.5, 0.3, 0.8, rare_outcome=True)
    >>> round(e.evalue, 4), round(e.evalue_ci, 4), e.limit
    (3.4142, 1.809, 'upper')
    """
    hr = _positive("hazard_ratio", hazard_ratio)
    if math.isinf(hr):
        raise ValueError("hazard_ratio must be finite, got inf (a monotone likelihood has "
                         "no E-value)")
    if (conf_low is None) != (conf_high is None):
        raise ValueError("give both conf_low and conf_high, or neither")
    rare = bool(rare_outcome)
    rr = hr_to_rr(hr, rare_outcome=rare)
    lo = hi = rr_lo = rr_hi = e_ci = limit = None
    if conf_low is not None:
        lo = float(conf_low)
        if math.isnan(lo) or lo < 0:
            raise ValueError(f"conf_low must be >= 0, got {conf_low!r}")
        hi = _positive("conf_high", conf_high)
        if not lo <= hr <= hi:
            raise ValueError(f"the limits ({lo}, {hi}) do not contain the hazard ratio {hr}")
        rr_lo, rr_hi = hr_to_rr(lo, rare_outcome=rare), hr_to_rr(hi, rare_outcome=rare)
        if rr_lo <= 1.0 <= rr_hi:
            e_ci, limit = 1.0, "crosses 1"
        elif rr > 1.0:
            e_ci, limit = _threshold(rr_lo), "lower"
        else:
            e_ci, limit = _threshold(rr_hi), "upper"
    return EValue(hazard_ratio=hr, conf_low=lo, conf_high=hi, rare_outcome=rare, rr=rr,
                  rr_low=rr_lo, rr_high=rr_hi, evalue=_threshold(rr), evalue_ci=e_ci,
                  limit=limit)
