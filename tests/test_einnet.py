"""Einsum pooling and EinNet: against explicit loops, equivariance on random shapes, error messages."""

import itertools

import pytest
import torch

import permsym
from permsym import PermsymError
from permsym.einnet import EinNet
from permsym.einsum_pooling import (DEFAULT_OPS, EinPoolA, EinPoolAA, EinPoolAAB, EinPoolAB, EinsumPooling,
                                    make_pooling, parse_op)
from permsym.pool import DSSLayer
from permsym.testing import assert_equivariant

@pytest.fixture(autouse=True)
def _float64():
    """Every test here runs in float64 (the default dtype is restored afterwards)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def loop_pool(type_string, ops, x, normalize=False):
    """The slow, obviously correct reference: python loops over every index of every operation."""
    sym = type_string[:-1]
    sizes = dict(zip(sym, x.shape[1:-1]))
    parsed = [parse_op(type_string, op) for op in ops]
    fan_in = sum(p.order for p in parsed)
    xs = list(x.split(x.shape[-1] // fan_in, dim=-1))
    outs, start = [], 0
    for p in parsed:
        operands = xs[start:start + p.order]
        start += p.order
        if normalize and p.order >= 2:
            dims = tuple(range(1, len(sym) + 1))
            centred = [t - t.mean(dims, keepdim=True) for t in operands]
            operands = [t / (t.pow(2).mean(dims, keepdim=True) + 1e-6).sqrt() for t in centred]
        letters = sorted(p.letter_of)
        y = torch.zeros(x.shape[:-1] + (operands[0].shape[-1],))
        count = 0
        for values in itertools.product(*(range(sizes[p.letter_of[c]]) for c in letters)):
            v = dict(zip(letters, values))
            term = torch.ones(x.shape[0], operands[0].shape[-1])
            for t, idx in zip(operands, p.operands):
                term = term * t[(slice(None),) + tuple(v[c] for c in idx)]
            y[(slice(None),) + tuple(v[c] for c in p.output)] += term
            count += 1
        if normalize and p.contracted:
            contracted = 1
            for c in p.contracted:
                contracted *= sizes[p.letter_of[c]]
            y = y / contracted
        outs.append(y)
    return torch.cat(outs, dim=-1)


SHAPES = {"aH": (3,), "abH": (3, 2), "aaH": (3, 3), "aabH": (3, 3, 2), "abcH": (2, 3, 2)}
BY_HAND = [EinPoolA, EinPoolAB, EinPoolAA, EinPoolAAB]
EXTRA_OPS = {  # diagonals, broadcasts, invariant sums, order 5: the generic pooling beyond the defaults
    "aH": ["aH->bH", "aH,bH->aH", "aH,aH,aH->bH"],
    "abH": ["abH->cdH", "abH,acH,dbH,dcH,deH->aeH", "abH,acH,dbH,dcH,ecH->ebH"],
    "aaH": ["aaH->bbH", "aaH->abH", "abH,baH->abH", "abH,bcH,caH->aaH", "aaH,abH->abH"],
    "aabH": ["aacH->abcH", "abcH,abdH->abcH"],
    "abcH": ["abcH->abdH", "abcH,adcH,edcH->ebcH", "abcH,dbcH->aecH"],
}


@pytest.mark.parametrize("normalize", [False, True], ids=["sums", "normalized"])
@pytest.mark.parametrize("cls", BY_HAND, ids=lambda c: c.__name__)
def test_by_hand_matches_loops_and_generic(cls, normalize):
    torch.manual_seed(0)
    pool = cls(normalize=normalize)
    x = torch.randn((2,) + SHAPES[pool.type_string] + (2 * pool.fan_in,))
    expected = loop_pool(pool.type_string, pool.ops, x, normalize)
    torch.testing.assert_close(pool(x), expected)
    torch.testing.assert_close(EinsumPooling(pool.type_string, pool.ops, normalize)(x), expected)


@pytest.mark.parametrize("normalize", [False, True], ids=["sums", "normalized"])
@pytest.mark.parametrize("type_string", list(EXTRA_OPS))
def test_generic_matches_loops(type_string, normalize):
    torch.manual_seed(1)
    pool = EinsumPooling(type_string, EXTRA_OPS[type_string], normalize=normalize)
    x = torch.randn((2,) + SHAPES[type_string] + (pool.fan_in,))
    torch.testing.assert_close(pool(x), loop_pool(type_string, pool.ops, x, normalize))


def _random_shape(type_string, gen):
    sizes = {c: int(torch.randint(1, 6, (), generator=gen)) for c in type_string[:-1]}
    return tuple(sizes[c] for c in type_string[:-1])


@pytest.mark.parametrize("normalize", [False, True], ids=["sums", "normalized"])
@pytest.mark.parametrize("type_string", list(EXTRA_OPS))
def test_poolings_are_equivariant(type_string, normalize):
    gen = torch.Generator().manual_seed(len(type_string))
    pools = [EinsumPooling(type_string, EXTRA_OPS[type_string], normalize)]
    if type_string[:-1] in DEFAULT_OPS:
        pools.append(make_pooling(type_string, normalize=normalize))
    for pool in pools:
        for _ in range(3):
            x = torch.randn((2,) + _random_shape(type_string, gen) + (3 * pool.fan_in,), generator=gen)
            if type_string in ("aaH", "aabH"):  # joint axes: equal sizes
                x = x[:, :, : x.shape[1]] if x.shape[2] >= x.shape[1] else x[:, : x.shape[2]]
            assert_equivariant(pool, type_string, x)


@pytest.mark.parametrize("backbone", ["revised", "post"])
@pytest.mark.parametrize("type_string", ["aH", "abH", "aaH", "aabH"])
def test_einnet_is_equivariant(type_string, backbone):
    gen = torch.Generator().manual_seed(7)
    torch.manual_seed(0)
    net = EinNet(type_string, 2, 3, width=8, heads=2, stacks=2, backbone=backbone)
    for _ in range(2):
        shape = _random_shape(type_string, gen)
        if type_string in ("aaH", "aabH"):
            shape = (shape[0], shape[0]) + shape[2:]
        x = torch.randn((2,) + shape + (2,), generator=gen)
        assert_equivariant(net, type_string, x, n_trials=3)
        assert net(x).shape == x.shape[:-1] + (3,)


@pytest.mark.parametrize("backbone", ["revised", "post"])
@pytest.mark.parametrize("type_string,invariant,out_type", [
    ("aH", True, "H"), ("abH", "b", "aH"), ("abH", "ab", "H"), ("aaH", "a", "H"), ("aabH", "b", "aaH"),
    ("aabH", "a", "bH")])
def test_einnet_invariant_outputs(type_string, invariant, out_type, backbone):
    torch.manual_seed(3)
    net = EinNet(type_string, 1, 2, width=8, heads=2, stacks=1, backbone=backbone, invariant=invariant)
    shape = {"aH": (4,), "abH": (4, 3), "aaH": (4, 4), "aabH": (3, 3, 4)}[type_string]
    assert_equivariant(net, type_string, torch.randn((2,) + shape + (1,)), out_type=out_type, n_trials=3)


def test_pooling_counts():
    assert [(c().fan_in, c().fan_out) for c in BY_HAND] == [(4, 3), (8, 5), (8, 6), (9, 7)]
    assert parse_op("abH", "abH,acH,dbH,dcH,deH->aeH").order == 5
    assert parse_op("aaH", "aaH->bbH").expanded == "b" and parse_op("abH", "abH->cdH").contracted == "ab"
    post = EinNet("abH", 1, 1, width=64, heads=16, stacks=2, backbone="post")  # the post's einnet(1,16,64,1,2,...)
    expected = (1 * 64 + 64 + 64 * 128 + 128) + 2 * (80 * 64 + 64 + 64 * 128 + 128) - (64 * 128 + 128) + (64 + 1)
    assert sum(p.numel() for p in post.parameters()) == expected


def test_normalization_keeps_high_order_terms_bounded():
    """Raw order-3 sums grow with the size; normalized ones do not (the revised backbone's reason)."""
    torch.manual_seed(0)
    raw, normalized = EinsumPooling("abH", ["abH,cbH,cdH->adH"]), EinsumPooling("abH", ["abH,cbH,cdH->adH"], True)
    growth = []
    for n in (4, 32):
        x = 1 + torch.rand(1, n, n, 3)  # positive inputs: every term adds up
        growth.append((raw(x).abs().mean().item(), normalized(x).abs().mean().item()))
    assert growth[1][0] > 30 * growth[0][0]  # n^2 terms: about (32 / 4)^2 = 64 times larger
    assert growth[1][1] < 3 * growth[0][1]


@pytest.mark.parametrize("element,groups", [("cyclic", True), ("set", False)])
def test_dss_layer_is_equivariant(element, groups):
    torch.manual_seed(0)
    layer = DSSLayer(3, 4, element=element, kernel_size=3)
    for n, m in [(1, 3), (4, 6), (5, 8)]:
        x = torch.randn(2, n, m, 3)
        assert_equivariant(layer, "abH", x, groups={"b": permsym.cyclic(m)} if groups else None)
    if element == "cyclic":  # a convolution is not equivariant to every permutation of the signal
        with pytest.raises(AssertionError):
            assert_equivariant(layer, "abH", torch.randn(2, 4, 6, 3))


def test_dss_siamese_and_sharing():
    """With one element the layer is L1 + L2 of that element; the shared part is the same for every element."""
    torch.manual_seed(0)
    layer = DSSLayer(2, 2, element="cyclic", kernel_size=3)
    x = torch.randn(1, 3, 5, 2)
    own = layer._h_map(layer.siamese, x[0])  # (3, 5, 2)
    shared = layer(x)[0] - own
    torch.testing.assert_close(shared, shared[:1].expand(3, -1, -1))


@pytest.mark.parametrize("call,message", [
    (lambda: parse_op("abH", "abH,bcH->acH"), r"op 'abH,bcH->acH' breaks the symmetry of type 'abH': index 'b' "
                                              r"stands for letter 'b' in term 'abH' but for letter 'a' in term 'bcH'"),
    (lambda: parse_op("abH", "aaH->aaH"), r"breaks the symmetry of type 'abH': index 'a' stands for letter 'a'"),
    (lambda: parse_op("aabH", "abcH->acbH"), r"index 'c' stands for letter 'b' in term 'abcH' but for letter 'a'"),
    (lambda: parse_op("abH", "aH->aH"), r"term 'aH' has 1 permuted indices, the type has 2 \('ab'\)"),
    (lambda: parse_op("aH", "aH,a->aH"), r"term 'a' must end with the latent letter 'H'"),
    (lambda: parse_op("aH", "aH,aH"), r"op: expected an einsum string like 'aH,aH->aH' for type 'aH'"),
    (lambda: parse_op("aH", "->aH"), r"expected at least one operand before '->'"),
    (lambda: parse_op("ab", "a,b->a"), r"type_string: expected permuted lowercase letters then the latent axis 'H' last, .*got 'ab' \(no latent axis\)"),
    (lambda: EinsumPooling("aH", ["aH,aH->aH"])(torch.zeros(2, 3, 5)),
     r"x: expected shape \(batch, a, heads \* fan_in\) with fan_in=2 for the ops \['aH,aH->aH'\] \(a channel "
     r"count divisible by 2\), got \(2, 3, 5\)"),
    (lambda: EinPoolAA()(torch.zeros(2, 3, 4, 8)), r"x: the axes of letter 'a' of type 'aaH' must have equal sizes"),
    (lambda: EinsumPooling("aH", []), r"ops: expected a non-empty list of einsum strings for type 'aH', got \[\]"),
    (lambda: make_pooling("abcH"), r"ops: type 'abcH' has no default pooling"),
    (lambda: EinNet("abH", 1, 1, backbone="transformer"), r"backbone: expected 'revised' or 'post', got 'transformer'"),
    (lambda: EinNet("abH", 1, 1, invariant="c"), r"invariant: expected letters of 'ab' to average over"),
    (lambda: EinNet("abH", 1, 1, heads=0), r"heads: expected an int >= 1, got 0"),
    (lambda: EinNet("abH", 2, 1)(torch.zeros(2, 3, 4, 1)),
     r"x: expected shape \(batch, a, b, 2\) for type 'abH', got \(2, 3, 4, 1\)"),
    (lambda: DSSLayer(2, 2, kernel_size=2), r"kernel_size: expected an odd int >= 1, got 2"),
    (lambda: DSSLayer(2, 2, element="grid"), r"element: expected 'cyclic' or 'set', got 'grid'"),
    (lambda: DSSLayer(2, 2)(torch.zeros(2, 3, 2)), r"x: expected shape \(batch, n, m, 2\), got \(2, 3, 2\)"),
], ids=["break-ab", "diagonal-in-ab", "break-aab", "term-length", "latent-missing", "no-arrow", "no-operand",
        "bad-type", "fan-in", "joint-sizes", "no-ops", "no-default", "backbone", "invariant", "heads", "x-shape",
        "dss-kernel", "dss-element", "dss-shape"])
def test_errors(call, message):
    with pytest.raises(PermsymError, match=message):
        call()


def test_backbone_post_keeps_the_parameter_names_of_the_two_layer_mlps():
    """``blocks.mlp`` registers what the former private ``_mlp2`` did: checkpoints keep their keys."""
    keys = list(EinNet("aH", 1, 1, width=4, heads=1, stacks=1, backbone="post").state_dict())
    assert keys == [f"t.{i}.{j}.{w}" for i in range(2) for j in (0, 2) for w in ("weight", "bias")]
    revised = list(EinNet("aH", 1, 1, width=4, heads=1, stacks=1).state_dict())
    assert revised[-4:] == ["head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias"]
    with pytest.raises(PermsymError, match=r"backbone: expected 'revised' or 'post', got 'seed'"):
        EinNet("aH", 1, 1, backbone="seed")


LAYERS = [("EinsumPooling", lambda: EinsumPooling("aH", ["aH->aH"]), (2, 5, 1)),
          ("EinPoolAB", lambda: EinPoolAB(), (2, 4, 3, 8)),
          ("EinPoolAA", lambda: EinPoolAA(), (2, 4, 4, 8)),
          ("EinNet", lambda: EinNet("abH", 1, 1, width=4, heads=1, stacks=1), (2, 4, 3, 1)),
          ("EinNet-post", lambda: EinNet("abH", 1, 1, width=4, heads=1, stacks=1, backbone="post"), (2, 4, 3, 1))]


@pytest.mark.parametrize("make,shape", [(m, s) for _, m, s in LAYERS], ids=[n for n, _, _ in LAYERS])
@pytest.mark.parametrize("dtype", [torch.int64, torch.bool])
def test_integer_input_is_refused_by_name(make, shape, dtype):
    with pytest.raises(PermsymError, match=rf"^x: expected a floating-point tensor for type '\w+' \(e.g. "
                                           rf"torch.float32\), got dtype {dtype}; convert it with x.float\(\)"):
        make()(torch.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("make,shape", [(m, s) for _, m, s in LAYERS], ids=[n for n, _, _ in LAYERS])
@pytest.mark.parametrize("axis", [1, 2])
def test_an_empty_set_is_refused_not_nan(make, shape, axis):
    if axis >= len(shape) - 1:
        axis = 1
    shape = list(shape)
    shape[axis] = 0
    if make().__class__ is EinPoolAA:
        shape[1] = shape[2] = 0
        axis = 1
    with pytest.raises(PermsymError, match=rf"^x: expected a tensor for type '\w+' with at least one element along "
                                           rf"axis {axis} \(a set\), got shape \({', '.join(map(str, shape))},?\): "
                                           "an empty set"):
        make()(torch.zeros(shape))


def test_einnet_refuses_a_dtype_other_than_its_parameters():
    net = EinNet("aH", 1, 1, width=4, heads=1, stacks=1).float()
    with pytest.raises(PermsymError, match=r"^x: expected dtype torch.float32 \(the layer's parameters\) for a tensor "
                                           r"for type 'aH', got torch.float64; cast the input with .to\(torch.float32\) "
                                           r"or the layer with .to\(torch.float64\)"):
        net(torch.zeros(2, 3, 1, dtype=torch.float64))
