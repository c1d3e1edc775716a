"""Enumerating einsum pooling (the seed's recipe and lookup table), contraction bases, contraction paths."""

import numpy as np
import opt_einsum as oe
import pytest
import torch

from permsym import PermsymError
from permsym import contract, pooling_enum
from permsym.contract import (FILTERS, compare_paths, compose, compose_dedup, contraction_basis, enumerate_ops,
                              filter_report, op_string, pooling_ops, same_op, same_span)
from permsym.pooling_enum import _breakable, _dependency_ok, _expands, _parse
from permsym.einsum_pooling import EinsumPooling, parse_op
from permsym.solve import sharing
from permsym.testing import assert_equivariant

# The seed's lookup table (section II.2), order by order.
SEED_TABLE = {
    "aH": {1: ["aH->aH", "aH->bH"], 2: ["aH,aH->aH"], 3: []},
    "abH": {1: ["abH->abH", "abH->cbH", "abH->acH"], 2: ["abH,abH->abH"], 3: ["abH,cbH,cdH->adH"], 4: [],
            5: ["abH,acH,dbH,dcH,deH->aeH", "abH,acH,dbH,dcH,ecH->ebH"]},
    "aaH": {1: ["abH->abH", "aaH->aaH", "abH->baH", "abH->cbH"], 2: ["abH,bcH->acH", "abH,abH->abH"], 3: []},
}


def _matches(type_string, computed, table):
    """Every computed op is one table op and vice versa (up to renaming, operand order, rotations)."""
    return (len(computed) == len(table) and all(any(same_op(type_string, c, t) for t in table) for c in computed)
            and all(any(same_op(type_string, c, t) for c in computed) for t in table))


@pytest.mark.parametrize("type_string,max_order", [("aH", 3), ("abH", 3), ("aaH", 3),
                                                   pytest.param("abH", 5, id="abH-order5")])
def test_composition_dedup_reproduces_the_seed_table(type_string, max_order):
    kept, dropped = compose_dedup(type_string, pooling_ops(type_string, max_order))
    for k in range(1, max_order + 1):
        computed = [o for o in kept if len(parse_op(type_string, o).operands) == k]
        assert _matches(type_string, computed, SEED_TABLE[type_string][k]), (k, computed)
    assert all(isinstance(v, str) and " of " in v for v in dropped.values())


def test_five_filters_alone_keep_more_than_the_table():
    """The differences: all of them compositions (see the chapter)."""
    counts = {t: [len([o for o in pooling_ops(t, 3) if len(parse_op(t, o).operands) == k]) for k in (1, 2, 3)]
              for t in ("aH", "abH", "aaH")}
    assert counts == {"aH": [2, 1, 0], "abH": [4, 1, 1], "aaH": [10, 5, 14]}
    assert "abH->cdH" in pooling_ops("abH", 1)  # the total sum: the table leaves it to composition


def test_filter_report_counts():
    rows = filter_report("aaH", 2)
    assert [r["after"] for r in rows] == [[15, 15, 15, 10, 10], [117, 117, 48, 16, 5]]
    assert len(FILTERS) == 5


@pytest.mark.parametrize("type_string", ["aH", "abH", "aaH", "aabH", "abcH"])
def test_every_enumerated_op_is_equivariant(type_string):
    ops = pooling_ops(type_string, 2)
    pool = EinsumPooling(type_string, ops)
    shape = {"aH": (4,), "abH": (3, 4), "aaH": (4, 4), "aabH": (3, 3, 2), "abcH": (2, 3, 2)}[type_string]
    x = torch.randn((2,) + shape + (pool.fan_in,), dtype=torch.float64)
    assert_equivariant(pool, type_string, x, n_trials=3)


def test_seed_examples_of_each_filter():
    # 1: compatible with aa, not with ab; a renaming is the same operation
    parse_op("aaH", "abH,bcH->acH")
    with pytest.raises(PermsymError, match="index 'b'"):
        parse_op("abH", "abH,bcH->acH")
    assert same_op("aaH", "baH,acH->bcH", "abH,bcH->acH")
    # 2: ab,cb->cb satisfies b->a (a depends on b) but not a->b (b depends on a)
    op = _parse("abH", "abH,cbH->cbH")
    assert _dependency_ok(op, "ab", {"a": "b"}) and not _dependency_ok(op, "ab", {"b": "a"})
    # 3: ab,cb,cd,ad->ad is a pointwise product of ab,cb,cd->ad and ad->ad; the product itself stays
    assert _breakable(_parse("abH", "abH,cbH,cdH,adH->adH"))
    assert not _breakable(_parse("abH", "abH,cbH,cdH->adH")) and not _breakable(_parse("abH", "abH,abH->abH"))
    # 4: for aa, ab,cb->ca is ab,bc->ac up to transposes
    assert same_op("aaH", "abH,cbH->caH", "abH,bcH->acH") and not same_op("aaH", "abH,bcH->acH", "abH,abH->abH")
    # 5: ab,bc->ad expands a new index
    assert _expands(_parse("aaH", "abH,bcH->adH")) and not _expands(_parse("aaH", "abH,bcH->acH"))


def _dependent_action(x, sigma, tau):
    """a depends on b: row permutation sigma[b] inside column b, then the columns by tau. x: (B, n, m, h)."""
    y = torch.empty_like(x)
    for b in range(x.shape[2]):
        y[:, sigma[b], tau[b]] = x[:, :, b]
    return y


def test_dependency_rule_is_exactly_equivariance():
    """Every order-<=2 op of ab with a depending on b passes the rule iff it commutes with the dependent action."""
    torch.manual_seed(0)
    n, m = 4, 3
    x = torch.randn(1, n, m, 4, dtype=torch.float64)
    sigma, tau = [torch.randperm(n) for _ in range(m)], torch.randperm(m)
    for k in (1, 2):
        for op in set(pooling_ops("abH", k)) | {"abH,cbH->cbH", "abH,cbH->abH", "abH,acH->acH"}:
            pool = EinsumPooling("abH", [op])
            xs = x[..., : pool.fan_in]
            ok = torch.allclose(pool(_dependent_action(xs, sigma, tau)), _dependent_action(pool(xs), sigma, tau))
            assert ok == _dependency_ok(_parse("abH", op), "ab", {"a": "b"}), op


def test_poker_hands_dependency_filters():
    free, dependent = pooling_ops("abcH", 2), pooling_ops("abcH", 2, depends={"b": "a"})
    assert set(dependent) < set(free)
    assert "abcH->adcH" in dependent  # summing the cards b of one hand a: fine
    assert "abcH->dbcH" in free and "abcH->dbcH" not in dependent  # card b of every hand a: mixes their orders
    assert all(_dependency_ok(_parse("abcH", o), "abc", {"b": "a"}) for o in dependent)


def test_compose():
    assert op_string(compose(_parse("abH", "abH->cbH"), [_parse("abH", "abH->acH")])) == "abH->cdH"
    chain = _parse("abH", "abH,cbH,cdH->adH")
    ident = _parse("abH", "abH->abH")
    five = op_string(compose(chain, [chain, ident, ident]))
    assert same_op("abH", five, "abH,cbH,cdH,edH,efH->afH")  # X X^T X X^T X
    with pytest.raises(PermsymError, match="rs: expected 3 operations, one per operand of q, got 1"):
        compose(chain, [ident])


def test_enumeration_counts_are_bell_numbers():
    assert sum(1 for _ in enumerate_ops("a", 2)) == 5  # Bell(3)
    assert sum(1 for _ in enumerate_ops("ab", 1)) == 4  # Bell(2)^2
    assert sum(1 for _ in enumerate_ops("aa", 1)) == 15  # Bell(4)


@pytest.mark.parametrize("spec,order,sizes", [
    ("a->", 1, {"a": 4}), ("a->", 2, {"a": 4}), ("a->", 3, {"a": 4}), ("a->", 3, {"a": 2}),
    ("a->a", 1, {"a": 3}), ("a->a", 2, {"a": 4}), ("aa->", 1, {"a": 3}), ("aa->", 2, {"a": 4}),
    ("aa->aa", 1, {"a": 4}), ("ab->", 2, {"a": 3, "b": 2}), ("ab->ab", 1, {"a": 3, "b": 4}),
    ("ab->ab", 2, {"a": 3, "b": 2})], ids=lambda v: str(v).replace(" ", ""))
def test_contraction_basis_spans_the_orbit_basis(spec, order, sizes):
    r = same_span(spec, order, **sizes)
    assert r["same"], r
    assert r["rank_orbits"] == r["n_orbits"] == sharing(spec, order=order, **sizes).n_free
    if min(sizes.values()) >= 2 * order + 1:  # enough points: one contraction per orbit, independent
        assert r["n_contractions"] == r["n_orbits"]


def test_contraction_costs():
    n = 1000
    power = {c.einsum: c for c in contraction_basis("a->", 3, a=n)}
    assert set(power) == {"a,a,a->", "a,a,b->", "a,b,a->", "a,b,b->", "a,b,c->"}
    assert all(c.cost <= 3 * n for c in power.values()) and all(c.dense_cost == n**3 for c in power.values())
    graph = {c.einsum: c for c in contraction_basis("aa->", 1, a=n)}
    assert set(graph) == {"aa->", "ab->"} and graph["aa->"].cost <= 2 * n and graph["ab->"].cost == n * n


def test_paths_seed_example():
    r = compare_paths("ab,dc,ae,ac,db->de", size=16)
    left, best = r["left_to_right"], r["optimized"]
    assert left["largest"] == 16**5 and best["largest"] == 16**2
    assert left["steps"] == ["dc,ab->dcab", "dcab,ae->dcabe", "dcabe,ac->dbe", "dbe,db->de"]  # abcde by the third
    assert best["steps"] == ["db,ab->da", "ac,dc->ad", "ad,da->ad", "ad,ae->de"]  # the seed's path
    assert left["flops"] > 100 * best["flops"]
    arrays = [np.random.default_rng(i).normal(size=(6, 6)) for i in range(5)]
    naive = oe.contract("ab,dc,ae,ac,db->de", *arrays, optimize=compare_paths("ab,dc,ae,ac,db->de")["left_to_right"]["path"])
    fast = oe.contract("ab,dc,ae,ac,db->de", *arrays, optimize=best["path"])
    np.testing.assert_allclose(fast, naive, rtol=1e-10)
    np.testing.assert_allclose(fast, np.einsum("ab,dc,ae,ac,db->de", *arrays), rtol=1e-10)


@pytest.mark.parametrize("call,message", [
    (lambda: pooling_ops("ab", 2), r"type_string: expected permuted lowercase letters then the latent axis 'H' last, .*got 'ab' \(no latent axis\)"),
    (lambda: pooling_ops("aH", 0), r"max_order: expected an int >= 1, got 0"),
    (lambda: pooling_ops("aaH", 6), r"max_order: type 'aaH' up to order 6 has [\d,]+ label assignments"),
    (lambda: pooling_ops("abH", 2, depends={"c": "a"}), r"depends: expected permuted letters of type_string 'abH' mapped to permuted letters of it"),
    (lambda: pooling_ops("aabH", 2, depends={"b": "a"}), r"depends: letter 'b' depends on 'a', which must name exactly one axis of type_string 'aabH' \(it names 2\)"),
    (lambda: contraction_basis("a->b", 1, a=3), r"spec 'a->b': output letter 'b' does not appear in the input 'a'"),
    (lambda: contraction_basis("a->", 0, a=3), r"order: expected an int >= 1, got 0"),
    (lambda: contraction_basis("ab->", 1, a=3), r"size of letter 'b' of spec 'ab->': expected an int >= 1, got None"),
    (lambda: compare_paths("ab->a"), r"eq: expected an einsum string with two or more operands"),
], ids=["type", "order", "too-big", "depends-letter", "depends-repeated", "spec", "basis-order", "size", "eq"])
def test_errors(call, message):
    with pytest.raises(PermsymError, match=message):
        call()


def test_split_keeps_every_public_name_importable_from_contract_and_the_package():
    import permsym

    for name in pooling_enum.__all__:
        assert getattr(contract, name) is getattr(pooling_enum, name), name
    assert set(pooling_enum.__all__) <= set(contract.__all__)
    for name in ("pooling_ops", "contraction_basis", "compare_paths"):
        assert getattr(permsym, name) is getattr(contract, name), name
