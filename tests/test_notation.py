"""permsym.notation: the one parser of the symmetry-type notation, and every permsym entry point agreeing with it."""

import subprocess
import sys

import pytest
import torch

from permsym import PermsymError, parse_symmetry
from permsym.einnet import EinNet
from permsym.einsum_pooling import EinsumPooling, make_pooling
from permsym.notation import FORM, SymmetryType, parse_type
from permsym.pooling_enum import pooling_ops
from permsym.solve import sharing
from permsym.testing import assert_equivariant


def test_notation_imports_neither_torch_nor_numpy():
    code = "import sys, permsym.notation; print('torch' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("text, axes, latent, letters, joint", [
    ("a", "a", False, "a", ""),
    ("aH", "a", True, "a", ""),
    ("abH", "ab", True, "ab", ""),
    ("aaH", "aa", True, "a", "a"),
    ("aabH", "aab", True, "ab", "a"),
    ("ixjyc", "ixjyc", False, "ixjyc", ""),
    ("H", "", True, "", ""),
])
def test_parsed_fields(text, axes, latent, letters, joint):
    t = parse_type(text)
    assert (t.text, t.axes, t.latent, t.letters, t.joint, t.ndim) == (text, axes, latent, letters, joint, len(text))
    assert isinstance(t, SymmetryType)
    with pytest.raises(Exception):
        t.text = "b"  # frozen


def test_dependencies_are_kept_sorted():
    t = parse_type("ixjycH", depends={"y": "j", "x": "i"})
    assert t.depends == (("x", "i"), ("y", "j")) and t.depends_dict() == {"x": "i", "y": "j"}
    assert parse_type("", "out_type", empty=True).axes == ""


E = r"expected lowercase letters a-z, one per permuted axis \(a repeated letter: one index set acting jointly\), " \
    r"then optionally the latent axis 'H' last, like 'aH', 'abH', 'aaH', got "
LAST = r" \(the latent axis 'H' must be the last axis, and appear at most once\)"
NEEDS_H = r"expected permuted lowercase letters then the latent axis 'H' last, like 'aH', 'abH', 'aaH', 'aabH', got "


@pytest.mark.parametrize("value, kwargs, message", [
    (3, {}, "symmetry_type: " + E + r"3 \(int, not a string\)"),
    ("", {}, "symmetry_type: " + E + r"'' \(an empty string\)"),
    ("a1", {}, "symmetry_type: " + E + r"'a1' \(character '1' is neither a lowercase letter a-z nor the latent axis 'H'\)"),
    ("aC", {}, "symmetry_type: " + E + r"'aC' \(character 'C' is neither"),
    ("Ha", {}, "symmetry_type: " + E + "'Ha'" + LAST),
    ("aHb", {}, "symmetry_type: " + E + "'aHb'" + LAST),
    ("aHH", {}, "symmetry_type: " + E + "'aHH'" + LAST),
    ("ab", dict(latent=True), "symmetry_type: " + NEEDS_H + r"'ab' \(no latent axis\)"),
    ("H", dict(latent=True), "symmetry_type: " + NEEDS_H + r"'H' \(no permuted axis\)"),
    ("ab", dict(name="type_string", latent=True), "type_string: " + NEEDS_H + "'ab'"),
    ("ix", dict(depends=["x"]), r"depends: expected a dict like \{'x': 'i'\} \(a letter -> the letters its "
                                r"permutation depends on\), got \['x'\]"),
    ("ix", dict(depends={"z": "i"}), r"depends: expected permuted letters of symmetry_type 'ix' mapped to permuted "
                                     r"letters of it, like \{'x': 'i'\}, got 'z': 'i'"),
    ("ixH", dict(depends={"x": "H"}), r"depends: expected permuted letters .*got 'x': 'H'"),
    ("ix", dict(depends={"x": ""}), r"depends: expected permuted letters .*got 'x': ''"),
    ("ix", dict(depends={"x": "x"}), r"depends: letter 'x' cannot depend on itself \(got 'x': 'x'\)"),
    ("iix", dict(depends={"x": "i"}), r"depends: letter 'x' depends on 'i', which must name exactly one axis of "
                                      r"symmetry_type 'iix' \(it names 2\)"),
], ids=["not-str", "empty", "digit", "other-capital", "H-first", "H-middle", "H-twice", "no-latent", "latent-only",
        "name", "depends-not-dict", "depends-unknown", "depends-on-latent", "depends-empty", "depends-self",
        "depends-on-joint"])
def test_every_error_names_the_argument_the_form_and_the_value(value, kwargs, message):
    with pytest.raises(PermsymError, match="^" + message):
        parse_type(value, **kwargs)
    assert "'H' last" in FORM


@pytest.mark.parametrize("bad", ["Ha", "aHb"])
def test_every_entry_point_refuses_a_misplaced_latent_axis_the_same_way(bad):
    """parse_symmetry once accepted 'Ha' and 'aHb' while EinNet refused them: now one rule, one message."""
    messages = []
    for name, call in [
        ("symmetry_type", lambda: parse_symmetry(bad, a=2, b=2, H=3)),
        ("type_string", lambda: EinNet(bad, 1, 1)),
        ("type_string", lambda: EinsumPooling(bad, ["aH->aH"])),
        ("type_string", lambda: make_pooling(bad)),
        ("type_string", lambda: pooling_ops(bad, 2)),
        ("type_string", lambda: assert_equivariant(lambda t: t, bad, torch.zeros(1, 2, 3))),
        (f"spec '{bad}->', input", lambda: sharing(bad + "->", a=2, b=2, H=3)),
    ]:
        with pytest.raises(PermsymError) as err:
            call()
        assert str(err.value).startswith(f"{name}: expected "), str(err.value)
        messages.append(str(err.value)[len(name):])
    assert len(set(messages)) == 1 and messages[0].endswith(f"got {bad!r} (the latent axis 'H' must be the last "
                                                            "axis, and appear at most once)")
