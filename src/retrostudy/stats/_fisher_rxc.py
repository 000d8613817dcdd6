r"""Exact Fisher-Freeman-Halton p-value for r x c tables by a network algorithm.

Given the margins, a table has probability :math:`P(T) = K\,W(T)` with
:math:`K = \prod_i R_i! \prod_j C_j! / N!` and :math:`W(T) = \prod_{ij} 1/x_{ij}!`. The
p-value is :math:`\sum P(T)` over the tables with :math:`W(T) \le W(T_{obs})(1 + 10^{-7})`.

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

Tolerances: tables within a relative :math:`10^{-7}` of the observed probability count as
"as extreme", as in R. Paths whose log past weights agree to :math:`10^{-9}` are merged.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

_LOG_REL_ERR = math.log1p(1e-7)
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
        if n_kept > _MAX_PAIRS:
            raise ValueError(
                "table is too large for the exact Fisher test "
                f"({n_kept} partial tables at column {s + 1}); use chisq_test instead"
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
        """Log total, largest and smallest weight of the two-column completions, exactly."""
        lf = self.lf
        f_node, x = _column_fills(rho, kappa)
        lw = -(lf[x].sum(axis=1) + lf[rho[f_node] - x].sum(axis=1))
        starts = np.flatnonzero(np.r_[True, f_node[1:] != f_node[:-1]])
        m = rho.sum(axis=1)
        tot = lf[m] - lf[rho].sum(axis=1) - lf[kappa] - lf[m - kappa]
        return tot, np.maximum.reduceat(lw, starts), np.minimum.reduceat(lw, starts)

    def finish(self, nodes, node_of, past, mult, kappa: int) -> float:
        """Two columns left: enumerate each node's completions and sum, per pair, those
        whose weight keeps the table at most as probable as the observed one."""
        lf = self.lf
        f_node, x = _column_fills(nodes, kappa)
        lw = -(lf[x].sum(axis=1) + lf[nodes[f_node] - x].sum(axis=1))
        order = np.lexsort((lw, f_node))
        seg = _Segments(f_node[order], lw[order], np.ones(lw.size), nodes.shape[0])
        pos = seg.search(node_of, self.threshold - past)
        log_mass = self.log_const + past + seg.log_total[node_of]
        return float(np.sum(mult * seg.share(node_of, pos) * np.exp(log_mass)))


class _Segments:
    """Values sorted within contiguous segments, with weights w * exp(value).

    ``share(q_seg, pos)`` is the fraction of a segment's weight before global position
    ``pos``; each segment's weights are normalised to total 1 so that one global
    cumulative sum loses at most ~eps * (number of segments) when a start is subtracted.
    """

    __slots__ = ("seg", "values", "starts", "counts", "cum", "log_total")

    def __init__(self, seg, values, weights, n_seg: int):
        self.seg, self.values = seg, values
        self.counts = np.bincount(seg, minlength=n_seg)
        self.starts = np.cumsum(self.counts) - self.counts
        shift = np.full(n_seg, -np.inf)
        np.maximum.at(shift, seg, values)
        w = weights * np.exp(values - shift[seg])
        total = np.bincount(seg, weights=w, minlength=n_seg)
        with np.errstate(divide="ignore"):
            self.log_total = shift + np.log(total)
        self.cum = np.concatenate(([0.0], np.cumsum(w / total[seg])))

    def search(self, q_seg, q_values):
        return _segment_search(self.seg, self.values, q_seg, q_values, self.starts, self.counts)

    def share(self, q_seg, pos):
        return np.clip(self.cum[pos] - self.cum[self.starts[q_seg]], 0.0, 1.0)


def _segment_search(seg, values, q_seg, q_values, starts, counts):
    """For each query, the index one past the last element of its segment <= its value.

    ``values`` is sorted within each segment of ``seg`` (segments contiguous, ascending).
    """
    keys = np.concatenate((seg, q_seg))
    vals = np.concatenate((values, q_values))
    kind = np.concatenate((np.zeros(seg.size, np.int8), np.ones(q_seg.size, np.int8)))
    order = np.lexsort((kind, vals, keys))  # by segment, value; elements before equal queries
    is_elem = kind[order] == 0
    elems_before = np.cumsum(is_elem) - is_elem
    pos = np.empty(q_seg.size, dtype=np.int64)
    pos[order[~is_elem] - seg.size] = elems_before[~is_elem]
    return np.clip(pos, starts[q_seg], starts[q_seg] + counts[q_seg])


def _column_fills(nodes: np.ndarray, kappa: int):
    """All columns x with 0 <= x_i <= rho_i and sum(x) = kappa, for every node rho.

    Returns the node index of each fill (ascending) and the fills, shape (F, r).
    """
    u, r = nodes.shape
    after = np.cumsum(nodes[:, ::-1], axis=1)[:, ::-1]  # after[:, i] = sum of rho_i..rho_r
    node = np.arange(u)
    placed = np.zeros(u, dtype=np.int64)
    cols = []
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
