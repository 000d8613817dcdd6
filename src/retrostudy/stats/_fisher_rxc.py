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
_MAX_PAIRS = 30_000_000  # guard against tables far beyond Table-1 size


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
        """Fill column ``s`` for every (node, past) pair; settle the pairs that can be."""
        f_node, x = _column_fills(nodes, int(cols[s]))
        children = np.sort(nodes[f_node] - x, axis=1)
        child_nodes, child_of_fill = _unique_rows(children, self.n)
        fill_lw = -self.lf[x].sum(axis=1)
        # Cross every pair with every fill of its node.
        counts = np.bincount(f_node, minlength=nodes.shape[0])
        starts = np.cumsum(counts) - counts
        pair, fill = _expand(starts[node_of], counts[node_of])
        if pair.size > _MAX_PAIRS:
            raise ValueError(
                "table is too large for the exact Fisher test "
                f"({pair.size} partial tables at column {s + 1}); use chisq_test instead"
            )
        node = child_of_fill[fill]
        new_past = past[pair] + fill_lw[fill]
        new_mult = mult[pair]
        tot, hi, lo = self._bounds(child_nodes, cols[s + 1 :])
        all_in = new_past + hi[node] <= self.threshold
        done = float(
            np.sum(new_mult[all_in] * np.exp(self.log_const + new_past[all_in] + tot[node[all_in]]))
        )
        keep = ~all_in & (new_past + lo[node] <= self.threshold)
        node, new_past, new_mult = _merge(node[keep], new_past[keep], new_mult[keep])
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

    def finish(self, nodes, node_of, past, mult, kappa: int) -> float:
        """Two columns left: enumerate each node's completions and sum, per pair, those
        whose weight keeps the table at most as probable as the observed one."""
        lf = self.lf
        f_node, x = _column_fills(nodes, kappa)
        lw = -(lf[x].sum(axis=1) + lf[nodes[f_node] - x].sum(axis=1))
        order = np.lexsort((lw, f_node))
        f_node, lw = f_node[order], lw[order]
        u = nodes.shape[0]
        counts = np.bincount(f_node, minlength=u)
        starts = np.cumsum(counts) - counts
        # Normalise each node's weights to total 1 so that one global cumulative sum loses
        # at most ~eps * (number of nodes) when a node's start is subtracted.
        shift = np.full(u, -np.inf)
        np.maximum.at(shift, f_node, lw)
        w = np.exp(lw - shift[f_node])
        node_total = np.bincount(f_node, weights=w, minlength=u)
        w /= node_total[f_node]
        cum = np.concatenate(([0.0], np.cumsum(w)))
        # Rank of each pair's limit inside its node's sorted weights, via one global search
        # on (node, value) keys.
        limit = self.threshold - past
        pos = _segment_search(f_node, lw, node_of, limit, starts, counts)
        share = np.clip(cum[pos] - cum[starts[node_of]], 0.0, 1.0)
        log_mass = self.log_const + past + shift[node_of] + np.log(node_total[node_of])
        return float(np.sum(mult * share * np.exp(log_mass)))


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
        rep, off = _expand(np.zeros(node.size, np.int64), np.maximum(hi - lo + 1, 0))
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
    key = np.round(past * _MERGE_SCALE).astype(np.int64)
    order = np.lexsort((key, node))
    node, key, past, mult = node[order], key[order], past[order], mult[order]
    new = np.ones(node.size, dtype=bool)
    new[1:] = (node[1:] != node[:-1]) | (key[1:] != key[:-1])
    idx = np.flatnonzero(new)
    return node[idx], past[idx], np.add.reduceat(mult, idx)
