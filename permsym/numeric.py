"""The teaching method and the slow reference: symmetry as linear equations on the coefficients.

Invariance says the coefficient tensor equals its permuted self, ``P_g c = c``
for every group element ``g`` (``c`` the flattened tensor, ``P_g`` the
permutation matrix of ``g`` on its entries).  Stacking ``(P_g - I)`` over the
*generators* gives the constraint matrix ``A`` of :func:`constraint_matrix`;
its null space is the space of shared coefficient tensors (:func:`numeric_basis`)
and its dimension is the number of free parameters (:func:`null_space_dim`).
The seed derives the same equations from *every* element (``elements=True``),
which is correct but costs ``|G|`` times more.

The rank tolerance
------------------
``A^T A = sum_g (2I - P_g - P_g^T)`` is the Laplacian of the graph joining each
entry ``e`` to ``g(e)``.  For a connected graph on ``N`` vertices its smallest
nonzero eigenvalue is at least ``4 / (N * diameter) >= 4 / N**2`` (Mohar), so
the smallest nonzero singular value of ``A`` is at least ``2 / N``, while the
largest is at most ``2 * sqrt(m)`` for ``m`` generators.  With ``N <= MAX_DENSE
= 4096`` the ratio is above ``1e-4 / sqrt(m)``: :data:`RANK_RTOL` ``= 1e-8``
(relative to the largest singular value) sits far below it and far above
round-off (about ``1e-15``).

:func:`sharing_by_enumeration` is the obviously correct reference: it lists
every group element and labels each entry by the smallest entry it can be moved
to.  Both are for small tensors and small groups; :func:`permsym.sharing` is the
solver to use.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from .errors import PermsymError
from .groups import Group
from .solve import Problem, Sharing, first_appearance, problem

__all__ = ["RANK_RTOL", "MAX_DENSE", "constraint_matrix", "null_space_dim", "numeric_basis",
           "sharing_by_enumeration"]

#: Singular values below ``RANK_RTOL * max(singular values)`` count as zero (see the module docstring).
RANK_RTOL = 1e-8
#: Largest number of coefficient entries (columns of ``A``) for the dense SVD.
MAX_DENSE = 4096


def _every_image(prob: Problem, max_group_order: int):
    """Yield the flat image of every entry under every group element (times every slot order if commuting)."""
    n_out = prob.out_perms.shape[1]
    joint = Group.from_generators(n_out + prob.in_perms.shape[1],
                                  np.concatenate([prob.out_perms, prob.in_perms + n_out], axis=1), repr(prob.spec))
    k = prob.order
    idx = np.arange(prob.size).reshape((-1,) + (int(np.prod(prob.in_shape)),) * k)
    slots = list(permutations(range(k))) if prob.commuting else [tuple(range(k))]
    slot_maps = [np.ascontiguousarray(idx.transpose((0,) + tuple(s + 1 for s in p))).ravel() for p in slots]
    for g in joint.elements(limit=max_group_order):
        img = prob.image(g[:n_out], g[n_out:] - n_out)
        for s in slot_maps:
            yield s[img]


def sharing_by_enumeration(spec: str, order: int = 1, commuting: bool = False, depends: dict | None = None,
                           max_group_order: int = 50_000, max_entries: int = 10**6, **sizes) -> Sharing:
    """The slow reference: list every group element; label each entry by the smallest entry of its orbit.

    Cost ``|G| x`` tensor size, so only for tiny groups: a group with more than
    ``max_group_order`` elements raises :class:`PermsymError`.  Gives the same
    labels as :func:`permsym.sharing`.

    >>> sharing_by_enumeration("a->a", a=3).labels.tolist()
    [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    """
    prob = problem(spec, order, commuting, depends, max_entries, **sizes)
    rep = np.arange(prob.size)
    for img in _every_image(prob, max_group_order):
        np.minimum(rep, img, out=rep)
    labels = first_appearance(rep)
    return Sharing(labels.reshape(prob.shape), int(labels.max()) + 1, prob.spec, prob.order, prob.commuting,
                   len(prob.out_shape))


def constraint_matrix(spec: str, order: int = 1, commuting: bool = False, depends: dict | None = None,
                      elements: bool = False, max_group_order: int = 5_000, max_entries: int = 10**7, **sizes):
    """The equations ``(P_g - I) c = 0``, one row per entry moved by a generator (or by every element).

    Row ``r`` says ``c[g(e)] - c[e] = 0``: a ``+1`` at column ``g(e)`` and a
    ``-1`` at column ``e`` (rows of entries that ``g`` fixes are all zero and
    dropped).  Columns are the coefficient entries in C order.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n_equations, n_entries)

    >>> A = constraint_matrix("a->", order=1, a=3)   # b = b P for the swap and the 3-cycle
    >>> A.toarray().astype(int).tolist()
    [[-1, 1, 0], [1, -1, 0], [-1, 1, 0], [0, -1, 1], [1, 0, -1]]
    """
    prob = problem(spec, order, commuting, depends, max_entries, **sizes)  # every size check first
    from scipy import sparse

    images = _every_image(prob, max_group_order) if elements else prob.images()
    cols, entries = [], np.arange(prob.size)
    for img in images:
        moved = img != entries
        cols.append((img[moved], entries[moved]))
    n = sum(len(c[0]) for c in cols)
    plus = np.concatenate([c[0] for c in cols]) if cols else np.zeros(0, np.int64)
    minus = np.concatenate([c[1] for c in cols]) if cols else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(n), 2)
    data = np.tile([1.0, -1.0], n)
    return sparse.csr_matrix((data, (rows, np.stack([plus, minus], axis=1).ravel())), shape=(n, prob.size))


def numeric_basis(spec: str, order: int = 1, commuting: bool = False, depends: dict | None = None,
                  rtol: float = RANK_RTOL, max_dense: int = MAX_DENSE, elements: bool = False, **sizes) -> np.ndarray:
    """An orthonormal basis of the shared coefficient tensors: the null space of :func:`constraint_matrix`.

    Dense SVD (``scipy.linalg.null_space``) with singular values below
    ``rtol * max`` counted as zero.  The basis is not unique: it spans the same
    space as the one-hot orbit basis (:meth:`permsym.Sharing.basis`), not equal to it.

    Returns
    -------
    ndarray, shape (n_free, *coefficient shape)

    >>> B = numeric_basis("a->a", a=3)
    >>> B.shape, np.allclose(B[:, 0, 0], B[:, 1, 1])   # the diagonal shares one parameter
    ((2, 3, 3), True)
    """
    prob = problem(spec, order, commuting, depends, max_entries=10**7, **sizes)  # every size check first
    from scipy.linalg import null_space

    if prob.size > max_dense:
        raise PermsymError(f"max_dense: the coefficient tensor of {spec!r} at order {order} has {prob.size:,} entries, "
                           f"more than max_dense={max_dense:,} for a dense SVD; use permsym.sharing (the orbit solver)")
    A = constraint_matrix(spec, order, commuting, depends, elements=elements, **sizes).toarray()
    if A.shape[0] == 0:  # no equation: every entry is free
        A = np.zeros((1, prob.size))
    return null_space(A, rcond=rtol).T.reshape((-1,) + prob.shape)


def null_space_dim(spec: str, order: int = 1, commuting: bool = False, depends: dict | None = None,
                   rtol: float = RANK_RTOL, max_dense: int = MAX_DENSE, elements: bool = False, **sizes) -> int:
    """Number of free parameters, computed as the dimension of the null space (the teaching method).

    >>> null_space_dim("a->", order=2, a=3), null_space_dim("aa->aa", order=1, a=4)
    (2, 15)
    """
    return numeric_basis(spec, order, commuting, depends, rtol, max_dense, elements, **sizes).shape[0]
