r"""Multiple imputation by chained equations (MICE; van Buuren & Groothuis-Oudshoorn 2011).

Each of the ``m`` imputations is its own chain, with its own random stream spawned from one
seed (:class:`numpy.random.SeedSequence`), so the result depends only on the data, the
settings and the seed. A chain starts by filling each missing value with a random draw from
the observed values of its column, then for ``iterations`` rounds visits every incomplete
column in column order and re-imputes it from all other columns (their current values;
categorical predictors enter as treatment-contrast 0/1 columns, constant columns dropped):

* ``pmm`` (numeric; predictive mean matching, Little 1988; Rubin 1987, approach of
  van Buuren 2018 sec. 3.4, "type 1" matching): least squares on the observed rows,
  :math:`\hat\beta = (X'X + \kappa\,\mathrm{diag}(X'X))^{-1}X'y` with :math:`\kappa = 10^{-5}`;
  a posterior draw :math:`\sigma_* = \sqrt{\mathrm{RSS}/g}`, :math:`g\sim\chi^2_{n_{obs}-p}`,
  :math:`\beta_* = \hat\beta + \sigma_* L z` with :math:`LL' = (X'X + \kappa\,\mathrm{diag})^{-1}`,
  :math:`z\sim N(0, I)`; each missing row takes the observed value of a donor drawn at random
  among the ``donors`` (5) observed rows whose :math:`x'\hat\beta` is closest to its
  :math:`x'\beta_*`. Imputed values are always values that were observed.
* ``logreg`` (two levels): logistic regression (R ``glm``; Firth's penalised likelihood if
  the observed rows are separated), :math:`\beta_*\sim N(\hat\beta, \hat V)`, then a
  Bernoulli draw with :math:`p = \mathrm{expit}(x'\beta_*)`.
* ``polyreg`` (three or more levels): multinomial logistic regression (Newton-Raphson with a
  ridge of 1e-4 on the non-intercept coefficients so it exists under sparse cells),
  :math:`\beta_*\sim N(\hat\beta, \hat V)`, then a categorical draw from the softmax.
* ``none``: the column is not imputed (it keeps its missing values; it is still a predictor
  where observed -- it may then not have missing values if it is a predictor of others).

R equivalent: ``mice(data, m=, maxit=, seed=, method=c(... "pmm", "logreg", "polyreg"))``;
mice's own draws are different random numbers, so imputations agree in distribution, not
value by value (mice's ``polyreg`` also does not draw the coefficients; here they are drawn
so the imputation is "proper" in Rubin's sense). Pool analyses with :mod:`.pool`.

References
----------
Rubin DB (1987), Multiple Imputation for Nonresponse in Surveys, Wiley. Little RJA (1988),
J Bus Econ Stat 6:287-296. van Buuren S, Groothuis-Oudshoorn K (2011), J Stat Softw
45(3):1-67. van Buuren S (2018), Flexible Imputation of Missing Data, 2nd ed., CRC.
White IR, Royston P, Wood AM (2011), Stat Med 30:377-399.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._mice_models import draw_logreg, draw_pmm, draw_polyreg

METHODS = ("pmm", "logreg", "polyreg", "none")


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    kind: str  # "numeric" or "categorical"
    values: np.ndarray  # float (NaN missing) or integer codes (-1 missing)
    levels: tuple = ()

    @property
    def missing(self) -> np.ndarray:
        return np.isnan(self.values) if self.kind == "numeric" else self.values < 0


@dataclass(frozen=True, kw_only=True)
class Imputation:
    """``m`` completed versions of a dataset (R's ``mids``).

    ``imputed[name]`` is an array (m, number missing) of imputed values at the rows
    ``missing_rows[name]``; ``chain_mean[name]`` (m, iterations) the mean of the imputed
    values after each iteration (numeric columns; a convergence diagnostic as mice's
    ``plot(imp)``).
    """

    m: int
    iterations: int
    seed: int | None
    method: Mapping[str, str]
    columns: tuple[str, ...]
    imputed: Mapping[str, np.ndarray]
    missing_rows: Mapping[str, np.ndarray]
    chain_mean: Mapping[str, np.ndarray]
    _data: Mapping[str, _Column] = field(repr=False)

    def complete(self, k: int) -> dict[str, np.ndarray]:
        """Completed dataset ``k`` (0-based), columns as given (categories as their values)."""
        if not 0 <= k < self.m:
            raise ValueError(f"imputation index must be in 0..{self.m - 1}, got {k}")
        out = {}
        for name in self.columns:
            col = self._data[name]
            vals = col.values.copy()
            if name in self.imputed:
                vals[self.missing_rows[name]] = self.imputed[name][k]
            if col.kind == "numeric":
                out[name] = vals
            else:
                lv = np.array(list(col.levels) + [None], dtype=object)
                out[name] = lv[np.where(vals < 0, len(col.levels), vals).astype(int)]
        return out

    def completed(self) -> Iterator[dict[str, np.ndarray]]:
        """The ``m`` completed datasets in order."""
        return (self.complete(k) for k in range(self.m))


def _is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _column(name: str, values, levels: Sequence | None) -> _Column:
    raw = np.asarray(values)
    if raw.ndim != 1:
        raise ValueError(f"column {name!r} must be 1-d, got shape {raw.shape}")
    if levels is None and raw.dtype.kind in "iuf":
        num = raw.astype(float)
        if np.isinf(num).any():
            i = int(np.flatnonzero(np.isinf(num))[0])
            raise ValueError(f"column {name!r} row {i} is {num[i]}: infinite values cannot "
                             "be imputed; use NaN for missing")
        return _Column(name, "numeric", num)
    arr = raw.astype(object)
    miss = np.array([_is_missing(v) for v in arr], dtype=bool)
    lv = tuple(levels) if levels is not None else tuple(sorted(set(arr[~miss]), key=str))
    index = {v: i for i, v in enumerate(lv)}
    codes = np.full(arr.size, -1)
    for row in np.flatnonzero(~miss).tolist():
        if arr[row] not in index:
            raise ValueError(f"column {name!r} row {row} has value {arr[row]!r}, not one of "
                             f"its levels {list(lv)}")
        codes[row] = index[arr[row]]
    return _Column(name, "categorical", codes, lv)


def _default_method(col: _Column) -> str:
    if not col.missing.any():
        return ""
    if col.kind == "numeric":
        return "pmm"
    return "logreg" if len(col.levels) == 2 else "polyreg"


def _check_method(col: _Column, method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method for {col.name!r} must be one of {METHODS}, got {method!r}")
    if method == "pmm" and col.kind != "numeric":
        raise ValueError(f"{col.name!r} is categorical; pmm needs numbers (use logreg/polyreg)")
    if method in ("logreg", "polyreg") and col.kind != "categorical":
        raise ValueError(f"{col.name!r} is numeric; {method} needs a categorical column "
                         "(give it in levels=)")
    if method == "logreg" and len(col.levels) != 2:
        raise ValueError(f"logreg needs two levels; {col.name!r} has {len(col.levels)} "
                         "(use polyreg)")


def _design(cols: Sequence[_Column], values: Mapping[str, np.ndarray]) -> np.ndarray:
    parts = [np.ones((len(next(iter(values.values()))), 1))]
    for c in cols:
        v = values[c.name]
        if c.kind == "numeric":
            parts.append(v[:, None])
        else:
            parts.append((v[:, None] == np.arange(1, len(c.levels))[None, :]).astype(float))
    return np.hstack(parts)


def _check_sizes(cols, m, iterations, donors) -> None:
    n = {c.values.size for c in cols.values()}
    if len(n) != 1:
        raise ValueError(f"columns have different lengths: {sorted(n)}")
    if int(m) < 1 or int(iterations) < 1 or int(donors) < 1:
        raise ValueError(f"m, iterations and donors must be >= 1, got {m}, {iterations}, "
                         f"{donors}")


def _methods(cols, method) -> tuple[dict[str, str], list[str]]:
    unknown = set(method or {}) - set(cols)
    if unknown:
        raise ValueError(f"method names unknown columns {sorted(unknown)}")
    meth = {k: (method or {}).get(k, _default_method(c)) for k, c in cols.items()}
    targets = []
    for k, c in cols.items():
        if meth[k] and meth[k] != "none" and c.missing.any():
            _check_method(c, meth[k])
            if c.missing.all():
                raise ValueError(f"column {k!r} has no observed values; it cannot be imputed")
            targets.append(k)
    return meth, targets


def _predictors(cols, targets, predictors) -> dict[str, list[str]]:
    preds = {k: list((predictors or {}).get(k, [x for x in cols if x != k])) for k in targets}
    for k, ps in preds.items():
        bad = [p for p in ps if p not in cols or p == k]
        if bad:
            raise ValueError(f"predictors of {k!r} name unknown columns or itself: {bad}")
        stuck = [p for p in ps if cols[p].missing.any() and p not in targets]
        if stuck:
            raise ValueError(f"predictors of {k!r} {stuck} have missing values that are not "
                             "imputed (method 'none'); drop them from its predictors")
    return preds


def _chain(cols, targets, preds, meth, rows, rng, iterations, donors, means):
    """One chain: random start from observed values, then ``iterations`` rounds."""
    cur = {k: c.values.astype(float).copy() for k, c in cols.items()}
    for k in targets:
        obs = cur[k][~cols[k].missing]
        cur[k][rows[k]] = rng.choice(obs, rows[k].size)
    for it in range(iterations):
        for k in targets:
            x = _design([cols[p] for p in preds[k]], cur)
            ry = ~cols[k].missing
            x = x[:, np.concatenate([[True], x[ry, 1:].std(axis=0) > 0])]
            y = cols[k].values[ry]
            if meth[k] == "pmm":
                new = draw_pmm(x[ry], y, x[~ry], rng, donors=donors)
            elif meth[k] == "logreg":
                new = draw_logreg(x[ry], y, x[~ry], rng)
            else:
                new = draw_polyreg(x[ry], y.astype(int), len(cols[k].levels), x[~ry], rng)
            cur[k][rows[k]] = new
            if k in means:
                means[k][it] = new.mean()
    return cur


def mice(data: Mapping[str, Sequence], *, m: int = 5, iterations: int = 10,
         seed: int | None = None, method: Mapping[str, str] | None = None,
         levels: Mapping[str, Sequence] | None = None,
         predictors: Mapping[str, Sequence[str]] | None = None,
         donors: int = 5) -> Imputation:
    """Impute the missing values of ``data`` ``m`` times by chained equations.

    Parameters
    ----------
    data : mapping
        Column name -> 1-d values (dict or DataFrame). Numeric columns use NaN for missing;
        other columns (strings, booleans, or those in ``levels``) are categorical with
        None/NaN missing.
    m, iterations : int
        Number of imputations (chains) and of rounds per chain (R's ``m``, ``maxit``).
    seed : int, optional
        Seed of the random streams; the same seed gives the same imputations.
    method : mapping, optional
        Column -> "pmm", "logreg", "polyreg" or "none". Defaults: pmm for numeric columns,
        logreg for two levels, polyreg for more; columns without missing values are not
        imputed.
    levels : mapping, optional
        Column -> its levels in order (the first is the reference of its 0/1 columns).
    predictors : mapping, optional
        Column -> the columns that predict it (default: every other column; R's
        ``predictorMatrix`` row).
    donors : int
        Number of candidate donors of predictive mean matching (mice's 5).

    See the module docstring for each method's model and draws.
    """
    levels = dict(levels or {})
    cols = {str(k): _column(str(k), v, levels.get(k)) for k, v in dict(data).items()}
    _check_sizes(cols, m, iterations, donors)
    meth, targets = _methods(cols, method)
    preds = _predictors(cols, targets, predictors)
    rows = {k: np.flatnonzero(cols[k].missing) for k in targets}
    imputed = {k: np.empty((int(m), rows[k].size)) for k in targets}
    chain_mean = {k: np.full((int(m), int(iterations)), np.nan) for k in targets
                  if cols[k].kind == "numeric"}
    for chain, ss in enumerate(np.random.SeedSequence(seed).spawn(int(m))):
        cur = _chain(cols, targets, preds, meth, rows, np.random.default_rng(ss),
                     int(iterations), int(donors), {k: v[chain] for k, v in chain_mean.items()})
        for k in targets:
            imputed[k][chain] = cur[k][rows[k]]
    return Imputation(m=int(m), iterations=int(iterations), seed=seed,
                      method={k: meth[k] for k in targets}, columns=tuple(cols),
                      imputed=imputed, missing_rows=rows, chain_mean=chain_mean, _data=cols)
