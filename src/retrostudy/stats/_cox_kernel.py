"""Compiled kernel for one Cox likelihood evaluation (numba), used for large fits.

What it computes is exactly what :func:`._cox_fit.evaluate` computes with numpy (the
formulas are in that module's docstring): for the rows sorted by (stratum, time
descending) and their tie groups ``g`` (:mod:`._cox_ties`),

    ``S0_g = sum_{i in R_g} r_i``,  ``S1_g = sum_{i in R_g} r_i x_i``,  ``r_i = w_i exp(x_i'b - s)``
    ``den_i = S0_g - f_i D0_g``,  ``h_i = a_i / den_i``,  ``A_g = sum h_i``,  ``B_g = sum h_i f_i``
    ``sum_i a_i log den_i``,  ``sum_g (A_g S1_g - B_g D1_g)``  (the likelihood and score parts)
    ``X' diag(c) X - sum_g [C0 S1 S1' - C1 (S1 D1' + D1 S1') + C2 D1 D1']``  (information)

with ``c_j = r_j sum_{g: j in R_g} A_g - [j dead] r_j B_g(j)`` and ``C_k = sum a_i f_i^k /
den_i^2`` over a death group (Therneau & Grambsch 2000, sec. 3.3; Efron 1977, JASA 72:557).

Why a compiled kernel. The numpy engine makes about a dozen passes over the n rows per
evaluation (the products ``r x``, their group sums and cumulative sums in blocks, the
per-group weights spread to rows, the row weights ``c``), each writing an n- or
n-by-p temporary. R's ``coxfit6.c`` makes one pass over the rows in C. With continuous
times (every death its own tie group) those passes were most of the cost, and the numpy
engine stayed at 0.8-0.9x the speed of R's bare ``coxph.fit`` at p = 5
(benchmarks/README.md). This kernel walks the sorted rows twice and writes nothing of
size n-by-p:

1. forward over the tie groups (decreasing time): the running ``S0, S1`` (restarted at
   each stratum; with delayed entry a row's ``r, r x`` are binned at its entry group and
   subtracted there), the tied deaths' ``D0, D1`` (added branch-free, ``r * event``:
   deaths and censored rows alternate at random), and per death group ``den``, the
   score and outer-product terms and ``A_g, B_g``; a one-row group (continuous times)
   takes a short path;
2. backward (increasing time): the reverse cumulative sums of ``A`` give ``c_j``.

What vectorises stays in numpy/BLAS: ``X b`` and ``exp`` before, ``sum a_i log den_i``
and the Gram ``X' diag(c) X`` after (a scalar ``exp`` per row and a row-by-row Gram in
the kernel were 6x and 2.7x slower than numpy's and BLAS's at n = 1e6, p = 5). One
evaluation at n = 1e6, p = 5 went from 51 to 30 ms (continuous times) and 40 to 20 ms
(days); at p = 20 from 207 to 110 and 109 to 73 ms (CPU time, load about 1). It is the
same arithmetic in another summation order: results agree with the numpy engine to
1e-12 (tests/stats/test_cox_kernel.py).

numba is imported by the first large fit of a process (0.1-0.4 s, plus 0.2-0.4 s to load
the cached machine code); the compilation (1.3-3.4 s measured) is paid once per install,
as the code is cached on disk (``cache=True``: in ``__pycache__`` beside this file, or
numba's user cache directory when that is read-only). :mod:`._cox_fit` decides which engine runs
(``COMPILED_MIN_ROWS``, the measured trade-off is in benchmarks/README.md).
"""

from __future__ import annotations

from functools import cache

import numpy as np


# one function on purpose: numba compiles it as a whole, a helper would need its own njit
def _evaluate(x, r, event, starts, gstrat, nd, egroup, frac, wtave,  # noqa: C901
              efron, info, den, coef):
    """Risk-set sums and the death terms over the sorted rows (see the module docstring).

    In: ``x`` (n, p), the risks ``r`` (n,), each group's death count ``nd``; ``egroup`` is
    empty without delayed entry; ``efron`` False skips the tied deaths' correction (Breslow,
    or no tied deaths). Out: ``den`` (m,) filled; with ``info``, ``coef`` (n,) filled with
    the Gram weights ``c``. Returns ``sum_g (A_g S1_g - B_g D1_g)`` and the lower triangle
    of the outer-product part of the information.
    """
    n, p = x.shape
    ngroups = starts.shape[0]
    delayed = egroup.shape[0] > 0
    agrp = np.zeros(ngroups + 1)
    bgrp = np.zeros(ngroups)
    s1 = np.zeros(p)
    d1 = np.zeros(p)
    score = np.zeros(p)
    outer = np.zeros((p, p))
    bins0 = np.zeros(ngroups + 1 if delayed else 0)
    bins1 = np.zeros((ngroups + 1 if delayed else 0, p))
    s0 = 0.0
    m = 0
    for g in range(ngroups):  # forward over the groups (decreasing time)
        if g == 0 or gstrat[g] != gstrat[g - 1]:
            s0 = 0.0
            s1[:] = 0.0
        if delayed:  # rows whose entry group is g are not at risk from g on
            s0 -= bins0[g]
            for j in range(p):
                s1[j] -= bins1[g, j]
        lo = starts[g]
        hi = starts[g + 1] if g + 1 < ngroups else n
        if hi - lo == 1 and not delayed:  # a group of one row (continuous times): at most
            ri = r[lo]  # one death, no Efron correction; the general path made short
            s0 += ri
            for j in range(p):
                s1[j] += ri * x[lo, j]
            if nd[g] == 0:
                continue
            inv = 1.0 / s0
            h = wtave[m] * inv
            den[m] = s0
            m += 1
            agrp[g] = h
            for j in range(p):
                score[j] += h * s1[j]
            if info:
                c0 = h * inv
                for j in range(p):
                    cj = c0 * s1[j]
                    for k in range(j + 1):
                        outer[j, k] += cj * s1[k]
            continue
        tied = efron and nd[g] > 1
        d0 = 0.0
        if tied:
            d1[:] = 0.0
        for i in range(lo, hi):
            ri = r[i]
            s0 += ri
            for j in range(p):
                s1[j] += ri * x[i, j]
            if delayed:
                e = egroup[i]
                bins0[e] += ri
                for j in range(p):
                    bins1[e, j] += ri * x[i, j]
            if tied:  # branch-free: deaths and censored rows alternate at random
                ei = ri * event[i]
                d0 += ei
                for j in range(p):
                    d1[j] += ei * x[i, j]
        if nd[g] == 0:
            continue
        a = 0.0
        b = 0.0
        c0 = 0.0
        c1 = 0.0
        c2 = 0.0
        for k in range(m, m + nd[g]):
            f = frac[k]
            dk = s0 - f * d0 if tied else s0
            den[k] = dk
            inv = 1.0 / dk
            h = wtave[k] * inv
            q = h * inv
            a += h
            c0 += q
            if tied:
                b += h * f
                c1 += q * f
                c2 += q * f * f
        m += nd[g]
        agrp[g] = a
        bgrp[g] = b
        for j in range(p):
            score[j] += a * s1[j] - b * d1[j] if tied else a * s1[j]
        if info:
            for j in range(p):
                cj = c0 * s1[j]
                for k in range(j + 1):
                    outer[j, k] += cj * s1[k]
            if tied:
                for j in range(p):
                    for k in range(j + 1):
                        outer[j, k] += (c2 * d1[j] * d1[k]
                                        - c1 * (s1[j] * d1[k] + d1[j] * s1[k]))
    if info:  # backward (increasing time): c_j from the reverse cumulative sums of A
        total = 0.0
        for g in range(ngroups - 1, -1, -1):
            if g == ngroups - 1 or gstrat[g] != gstrat[g + 1]:
                total = 0.0
            total += agrp[g]
            agrp[g] = total
            lo = starts[g]
            hi = starts[g + 1] if g + 1 < ngroups else n
            if nd[g] > 1 and efron:
                bg = bgrp[g]
                for i in range(lo, hi):
                    coef[i] = r[i] * (total - event[i] * bg)
            else:
                for i in range(lo, hi):
                    coef[i] = r[i] * total
        if delayed:  # a row leaves the risk sets again at its entry group
            for i in range(n):
                coef[i] -= r[i] * agrp[egroup[i]]
    return score, outer


@cache
def compiled():
    """The kernel compiled by numba (imported here: 0.4 s, paid by large fits only)."""
    import numba

    # error_model="numpy": a zero denominator (risks underflowing to 0 in a diverging fit)
    # gives inf/nan as in numpy, which Newton's step halving handles, not an exception
    return numba.njit(cache=True, nogil=True, error_model="numpy")(_evaluate)
