r"""Exact Fisher-Freeman-Halton p-value for r x c tables by a network algorithm.

Given the margins, a table has probability :math:`P(T) = K\,W(T)` with
:math:`K = \prod_i R_i! \prod_j C_j! / N!` and :math:`W(T) = \prod_{ij} 1/x_{ij}!`. The
p-value is :math:`\sum P(T)` over the tables with :math:`\log W(T) \le \log W(T_{obs}) + \tau`,
:math:`\tau = 3.45254 \times 10^{-7}` (see Tolerances).

Network (Mehta & Patel 1983): the columns are filled one at a time. A node is the multiset
of row totals still to be placed (sorted, since the rows are exchangeable for what is left);
a path to it carries its "past" weight :math:`\prod 1/x!` of the columns already filled.
Paths reaching a node with the same past weight are merged (their count is kept). For every
(node, past) pair, cheap bounds on the largest and smallest weight of the remaining
sub-table decide whether all completions count (their total weight is closed form:
:math:`m!/(\prod \rho_i! \prod \kappa_j!)`), none count, or the pair must be expanded. When
two columns remain, every completion is enumerated per node, sorted and cumulated, and each
pair's share is found by binary search. Every stage is vectorised over all pairs.

The bounds come from relaxations: dropping the column (or row) constraints, the largest
:math:`\prod 1/x!` splits each row (column) total as evenly as possible, and the smallest
puts each total in a single cell. Any valid bound keeps the result exact; tighter ones only
prune more.

Tolerances: tables whose log probability exceeds the observed one by at most 3.45254e-7
count as "as extreme", as in R's FEXACT (R's 2x2 code uses a relative 1e-7 instead). Paths
whose log past weights agree to :math:`10^{-9}` are merged. R's FEXACT also merges past
weights within a tolerance, so on large tables with small p-values R and this module can
differ in the ninth or tenth digit.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

# R's FEXACT adds tol = 3.45254e-7 ("the square root of the smallest relative spacing") to
# the observed table's log probability: tables up to that far above it count as extreme.
_LOG_REL_ERR = 3.45254e-7
_MERGE_SCALE = 1e9  # past log-weights are merged on a 1e-9 grid
_MAX_PAIRS = 12_000_000  # ~0.6 GB of working arrays; R needs a larger workspace here too


def table_log_probability(obs: np.ndarray) -> float:
    """Log probability of a table given its margins (multivariate hypergeometric)."""
    lf = special.gammaln
    rows, cols = obs.sum(axis=1), obs.sum(axis=0)
    n = obs.sum()
    return float(lf(rows + 1).sum() + lf(cols + 1).sum() - lf(n + 1) - lf(obs + 1).sum())


def fisher_rxc_pvalue(obs: np.ndarray) -> float:
    """Exact two-sided p-value of Fisher's test for a validated table of int64 counts.

    Empty rows and columns do not change the conditional distribution and are dropped;
    a table left with fewer than 2 rows or columns has p = 1.
    """
    obs = obs[obs.sum(axis=1) > 0][:, obs.sum(axis=0) > 0]
    if min(obs.shape) < 2:
        return 1.0
    if obs.shape[0] > obs.shape[1]:  # fewer rows = smaller nodes
        obs = obs.T
    n = int(obs.sum())
    lf = special.gammaln(np.arange(n + 2, dtype=float) + 1)  # lf[k] = log k!
    rows = np.sort(obs.sum(axis=1))
    cols = np.sort(obs.sum(axis=0))
    log_const = lf[rows].sum() + lf[cols].sum() - lf[n]
    net = _Network(lf=lf, threshold=-lf[obs].sum() + _LOG_REL_ERR, log_const=log_const, n=n)
    nodes = rows[None, :]
    node_of = np.zeros(1, dtype=np.int64)
    past = np.zeros(1)
    mult = np.ones(1)
    p = 0.0
    for s in range(cols.size - 2):
        if past.size == 0:
            break
        nodes, node_of, past, mult, done = net.advance(nodes, node_of, past, mult, cols, s)
        p += done
    if past.size:
        p += net.finish(nodes, node_of, past, mult, int(cols[-2]))
    return float(min(1.0, p))


class _Network:
    __slots__ = ("lf", "threshold", "log_const", "n")

    def __init__(self, *, lf: np.ndarray, threshold: float, log_const: float, n: int):
        self.lf, self.threshold, self.log_const, self.n = lf, threshold, log_const, n

    def advance(self, nodes, node_of, past, mult, cols, s):
        """Fill column ``s``; settle what the bounds settle, return the pairs left.

        For one fill of a node, the pairs of that node that lead to settled outcomes form
        the two ends of its past weights in sorted order, so the "all completions count"
        mass is a prefix sum found by binary search; only the pairs in between are
        materialised, which is what keeps the network small.
        """
        f_node, x = _column_fills(nodes, int(cols[s]))
        child_nodes, child = _unique_rows(np.sort(nodes[f_node] - x, axis=1), self.n)
        fill_lw = -self.lf[x].sum(axis=1)
        if s + 3 == cols.size:
            tot, hi, lo = self._two_column_extremes(child_nodes, int(cols[s + 1]))
        else:
            tot, hi, lo = self._bounds(child_nodes, cols[s + 1 :])
        order = np.lexsort((past, node_of))
        node_of, past, mult = node_of[order], past[order], mult[order]
        seg = _Segments(node_of, past, mult, nodes.shape[0])
        pos_in = seg.search(f_node, self.threshold - fill_lw - hi[child])
        pos_keep = seg.search(f_node, self.threshold - fill_lw - lo[child])
        log_mass = self.log_const + seg.log_total[f_node] + fill_lw + tot[child]
        done = float(np.sum(seg.share(f_node, pos_in) * np.exp(log_mass)))
        n_kept = int((pos_keep - pos_in).sum())
        # Fail before the expensive part if this stage or the next would be too large.
        reached = np.unique(child[pos_keep > pos_in])
        n_next = int(_count_fills(child_nodes[reached], int(cols[s + 1])).sum())
        if max(n_kept, n_next) > _MAX_PAIRS:
            raise ValueError(
                "table is too large for the exact Fisher test "
                f"({max(n_kept, n_next)} partial tables at column {s + 1 + (n_next > n_kept)}); "
                "use chisq_test instead"
            )
        fill, idx = _expand(pos_in, pos_keep - pos_in)
        node, new_past, new_mult = _merge(child[fill], past[idx] + fill_lw[fill], mult[idx])
        used, node = np.unique(node, return_inverse=True)
        return child_nodes[used], node, new_past, new_mult, done

    def _bounds(self, rho: np.ndarray, kappa: np.ndarray):
        """Log of the total, an upper bound on the largest and a lower bound on the smallest
        weight prod(1/x!) over the sub-tables with row totals ``rho`` and column totals
        ``kappa``."""
        lf = self.lf
        r, k = rho.shape[1], kappa.size
        row_lf = lf[rho].sum(axis=1)
        col_lf = float(lf[kappa].sum())
        tot = lf[rho.sum(axis=1)] - row_lf - col_lf
        q, rem = np.divmod(rho, k)
        row_even = -((k - rem) * lf[q] + rem * lf[q + 1]).sum(axis=1)
        qc, remc = np.divmod(kappa, r)
        col_even = -float(((r - remc) * lf[qc] + remc * lf[qc + 1]).sum())
        hi = np.minimum(row_even, col_even)
        lo = -np.minimum(row_lf, col_lf)
        return tot, hi, lo

    def _two_column_extremes(self, rho: np.ndarray, kappa: int):
        """Log total, largest and smallest weight of the two-column completions, exactly.

        With two columns the weight of a completion x (first column; the second is rho - x)
        is separable and log-concave in each x_i under one sum constraint. Its largest value
        (the multivariate hypergeometric mode) is reached by adding units greedily where the
        gain log(rho_i - x_i) - log(x_i + 1) is largest; its smallest value is at a vertex of
        {sum x = kappa, 0 <= x <= rho}: every x_i is 0 or rho_i except at most one.
        """
        lf = self.lf
        u, r = rho.shape
        m = rho.sum(axis=1)
        tot = lf[m] - lf[rho].sum(axis=1) - lf[kappa] - lf[m - kappa]
        small = min(kappa, int(m[0]) - kappa)  # the columns are interchangeable
        x = np.zeros_like(rho)
        rows = np.arange(u)
        with np.errstate(divide="ignore"):
            for _ in range(small):
                gain = np.log(rho - x) - np.log(x + 1.0)
                x[rows, np.argmax(gain, axis=1)] += 1
        hi = -(lf[x].sum(axis=1) + lf[rho - x].sum(axis=1))
        lo = np.full(u, np.inf)
        for free in range(r):
            others = [i for i in range(r) if i != free]
            for mask in range(2 ** (r - 1)):
                full = np.array([(mask >> b) & 1 for b in range(r - 1)], dtype=bool)
                xv = np.zeros_like(rho)
                xv[:, others] = rho[:, others] * full
                xv[:, free] = small - xv.sum(axis=1)
                ok = (xv[:, free] >= 0) & (xv[:, free] <= rho[:, free])
                xv = np.clip(xv, 0, rho)  # infeasible vertices are masked by ok
                lw = -(lf[xv].sum(axis=1) + lf[rho - xv].sum(axis=1))
                lo = np.where(ok, np.minimum(lo, lw), lo)
        return tot, hi, lo

    def finish(self, nodes, node_of, past, mult, kappa: int) -> float:
        """Two columns left: enumerate each node's completions and sum, per pair, those
        whose weight keeps the table at most as probable as the observed one."""
        lf = self.lf
        f_node, x = _column_fills(nodes, kappa)
        lw = -(lf[x].sum(axis=1) + lf[nodes[f_node] - x].sum(axis=1))
        counts = np.bincount(f_node, minlength=nodes.shape[0])
        if counts[node_of].sum() <= 4 * lw.size:  # few pairs per node: mask, do not sort
            starts = np.cumsum(counts) - counts
            shift = np.maximum.reduceat(lw, starts)
            pair, fill = _expand(starts[node_of], counts[node_of])
            w = np.exp(lw - shift[f_node])[fill]
            w[lw[fill] > self.threshold - past[pair]] = 0.0
            share = np.bincount(pair, weights=w, minlength=past.size)
            return float(np.sum(mult * share * np.exp(self.log_const + past + shift[node_of])))
        order = np.lexsort((lw, f_node))
        seg = _Segments(f_node[order], lw[order], np.ones(lw.size), nodes.shape[0])
        pos = seg.search(node_of, self.threshold - past)
        log_mass = self.log_const + past + seg.log_total[node_of]
        return float(np.sum(mult * seg.share(node_of, pos) * np.exp(log_mass)))


class _Segments:
    """Values sorted within contiguous segments, with weights w * exp(value).

    ``share(q_seg, pos)`` is the fraction of a segment's weight before global position
    ``pos``. Cumulative sums run within each segment (never across segments, where
    subtracting a large running total would lose the small tail shares that make up small
    p-values), on weights normalised to total 1 per segment.
    """

    __slots__ = ("values", "starts", "counts", "cum", "log_total")

    def __init__(self, seg, values, weights, n_seg: int):
        self.values = values
        self.counts = np.bincount(seg, minlength=n_seg)
        self.starts = np.cumsum(self.counts) - self.counts
        shift = np.full(n_seg, -np.inf)
        np.maximum.at(shift, seg, values)
        w = weights * np.exp(values - shift[seg])
        total = np.bincount(seg, weights=w, minlength=n_seg)
        with np.errstate(divide="ignore"):
            self.log_total = shift + np.log(total)
        self.cum = _segmented_cumsum(w / total[seg], self.starts, self.counts)

    def search(self, q_seg, q_values):
        start = self.starts[q_seg]
        return _segment_search(self.values, q_values, start, start + self.counts[q_seg])

    def share(self, q_seg, pos):
        before = pos > self.starts[q_seg]
        return np.where(before, np.minimum(self.cum[np.maximum(pos - 1, 0)], 1.0), 0.0)


def _segmented_cumsum(w, starts, counts):
    """Inclusive cumulative sums of ``w`` restarting at every segment.

    Segments of similar length (same power of two) are laid out as rows of a padded
    matrix and summed along the rows, so padding at most doubles the work.
    """
    out = np.empty_like(w)
    size_class = np.ceil(np.log2(np.maximum(counts, 1))).astype(np.int64)
    for b in np.unique(size_class[counts > 0]):
        segs = np.flatnonzero((size_class == b) & (counts > 0))
        offsets = np.arange(int(counts[segs].max()))
        valid = offsets[None, :] < counts[segs][:, None]
        idx = np.where(valid, starts[segs][:, None] + offsets[None, :], 0)
        sums = np.cumsum(np.where(valid, w[idx], 0.0), axis=1)
        out[idx[valid]] = sums[valid]
    return out


def _segment_search(values, q_values, lo, hi):
    """For each query, the first index in [lo, hi) whose value exceeds the query's value.

    ``values`` is sorted within each query's range. A bisection vectorised over all queries:
    about log2(longest range) passes of elementwise numpy operations.
    """
    lo, hi = lo.copy(), hi.copy()
    active = lo < hi
    while active.any():
        mid = (lo + hi) // 2
        le = values[np.where(active, mid, 0)] <= q_values
        lo = np.where(active & le, mid + 1, lo)
        hi = np.where(active & ~le, mid, hi)
        active = lo < hi
    return lo


def _column_fills(nodes: np.ndarray, kappa: int):
    """All columns x with 0 <= x_i <= rho_i and sum(x) = kappa, for every node rho.

    Returns the node index of each fill (ascending) and the fills, shape (F, r).
    """
    u, r = nodes.shape
    after = np.cumsum(nodes[:, ::-1], axis=1)[:, ::-1]  # after[:, i] = sum of rho_i..rho_r
    node = np.arange(u)
    placed = np.zeros(u, dtype=np.int64)
    cols: list[np.ndarray] = []
    for i in range(r - 1):
        room_after = after[node, i + 1]
        lo = np.maximum(0, kappa - placed - room_after)
        hi = np.minimum(nodes[node, i], kappa - placed)
        counts = np.maximum(hi - lo + 1, 0)
        if counts.sum() > _MAX_PAIRS:
            raise ValueError(
                "table is too large for the exact Fisher test "
                f"({int(counts.sum())} partial columns); use chisq_test instead"
            )
        rep, off = _expand(np.zeros(node.size, np.int64), counts)
        xi = lo[rep] + off
        cols = [c[rep] for c in cols] + [xi]
        node, placed = node[rep], placed[rep] + xi
    cols.append(kappa - placed)
    return node, np.stack(cols, axis=1)


def _count_fills(nodes: np.ndarray, kappa: int) -> np.ndarray:
    """Number of columns ``_column_fills`` would list per node, without listing them.

    The coefficient of t**kappa in prod_i (1 + t + ... + t**rho_i), one row at a time; a
    box filter is a difference of cumulative sums.
    """
    ways = np.zeros((nodes.shape[0], kappa + 1))
    ways[:, 0] = 1.0
    k = np.arange(kappa + 1)
    for i in range(nodes.shape[1]):
        cum = np.cumsum(ways, axis=1)
        cut = k[None, :] - nodes[:, i : i + 1] - 1
        ways = cum - np.where(cut >= 0, np.take_along_axis(cum, np.maximum(cut, 0), axis=1), 0.0)
    return ways[:, kappa]


def _expand(starts: np.ndarray, counts: np.ndarray):
    """Item i repeated counts[i] times, and the offsets starts[i] + 0..counts[i]-1."""
    rep = np.repeat(np.arange(counts.size), counts)
    first = np.cumsum(counts) - counts
    off = np.arange(rep.size) - first[rep] + starts[rep]
    return rep, off


def _unique_rows(rows: np.ndarray, n: int):
    """Distinct rows and, for each input row, the index of its distinct row."""
    r = rows.shape[1]
    if r * math.log2(n + 1) < 62:
        keys = rows @ ((n + 1) ** np.arange(r, dtype=np.int64))
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    return rows[first], inverse.reshape(-1)


def _merge(node: np.ndarray, past: np.ndarray, mult: np.ndarray):
    """Merge pairs at the same node whose past log-weights agree to 1e-9 (counts add)."""
    if node.size == 0:
        return node, past, mult
    grid = np.round((past - past.min()) * _MERGE_SCALE).astype(np.int64)
    span = int(grid.max()) + 1
    if (int(node.max()) + 1) * span < 2**62:  # one int64 key sorts much faster than lexsort
        order = np.argsort(node * span + grid)
    else:
        order = np.lexsort((grid, node))
    node, grid, past, mult = node[order], grid[order], past[order], mult[order]
    new = np.ones(node.size, dtype=bool)
    new[1:] = (node[1:] != node[:-1]) | (grid[1:] != grid[:-1])
    idx = np.flatnonzero(new)
    return node[idx], past[idx], np.add.reduceat(mult, idx)
