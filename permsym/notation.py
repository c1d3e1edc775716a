"""The symmetry-type notation, parsed in one place: ``"aH"``, ``"abH"``, ``"aaH"``, ``"aabH"``, ``"ixjycH"``.

One letter per axis of a tensor (after the batch axis, for a layer's input):

- a lowercase letter ``a-z`` is a permuted axis; each distinct letter is an
  index set with its own group, and a repeated letter (``"aa"``) is one index
  set whose permutation moves every axis it names (the joint action);
- ``H``, the latent (channel) axis, is left alone; it may appear once, as the
  last axis, or not at all;
- ``depends={"x": "i"}`` lets the permutation of ``x`` differ for each value of
  ``i`` (rows permuted within each band of a Sudoku grid): both are permuted
  letters of the type, and ``i`` names exactly one axis.

Every permsym function that takes a symmetry type (:func:`permsym.parse_symmetry`,
the einsum pooling layers, :class:`permsym.EinNet`, :func:`permsym.pooling_ops`,
:func:`permsym.assert_equivariant`, the sides of a :func:`permsym.sharing` spec)
reads it with :func:`parse_type`, so they accept and refuse the same strings,
with the same messages.  This module is pure Python (no torch, no numpy).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PermsymError

__all__ = ["LATENT", "FORM", "SymmetryType", "parse_type"]

#: The latent axis: never permuted, last, at most once.
LATENT = "H"
#: The accepted form, as every error message states it.
FORM = ("lowercase letters a-z, one per permuted axis (a repeated letter: one index set acting jointly), "
        "then optionally the latent axis 'H' last, like 'aH', 'abH', 'aaH'")


@dataclass(frozen=True)
class SymmetryType:
    """A parsed symmetry type.

    Attributes
    ----------
    text : str
        The type as written, e.g. ``"aabH"``.
    axes : str
        The permuted letter of each permuted axis, in order (``"aab"``).
    latent : bool
        Whether the last axis is the latent axis ``H``.
    depends : tuple of (letter, letters)
        Sorted pairs: the permutation of ``letter`` may differ for each value of ``letters``.

    >>> t = parse_type("aabH")
    >>> t.axes, t.latent, t.letters, t.joint, t.ndim
    ('aab', True, 'ab', 'a', 4)
    """

    text: str
    axes: str
    latent: bool
    depends: tuple = ()

    @property
    def letters(self) -> str:
        """The distinct permuted letters, by first appearance (``"ab"`` for ``"aabH"``)."""
        return "".join(dict.fromkeys(self.axes))

    @property
    def joint(self) -> str:
        """The permuted letters naming more than one axis (acted on jointly)."""
        return "".join(c for c in self.letters if self.axes.count(c) > 1)

    @property
    def ndim(self) -> int:
        """Number of axes, the latent one included."""
        return len(self.text)

    def depends_dict(self) -> dict:
        """:attr:`depends` as a dict, ``{"x": "i"}``."""
        return dict(self.depends)


def _fail(name: str, value, why: str, form: str = FORM):
    raise PermsymError(f"{name}: expected {form}, got {value!r} ({why})")


def _check_depends(name: str, text: str, axes: str, depends) -> tuple:
    if depends is None:
        return ()
    if not isinstance(depends, dict):
        raise PermsymError(f"depends: expected a dict like {{'x': 'i'}} (a letter -> the letters its permutation "
                           f"depends on), got {depends!r}")
    for c, on in depends.items():
        if not (isinstance(c, str) and len(c) == 1 and c in axes and isinstance(on, str) and on
                and set(on) <= set(axes)):
            raise PermsymError(f"depends: expected permuted letters of {name} {text!r} mapped to permuted letters "
                               f"of it, like {{'x': 'i'}}, got {c!r}: {on!r}")
        if c in on:
            raise PermsymError(f"depends: letter {c!r} cannot depend on itself (got {c!r}: {on!r})")
        for d in on:
            if axes.count(d) != 1:
                raise PermsymError(f"depends: letter {c!r} depends on {d!r}, which must name exactly one axis of "
                                   f"{name} {text!r} (it names {axes.count(d)})")
    return tuple(sorted(depends.items()))


def parse_type(value, name: str = "symmetry_type", *, latent: bool | None = None, empty: bool = False,
               depends: dict | None = None) -> SymmetryType:
    """Parse a symmetry type, refusing every other form with one :class:`~permsym.errors.PermsymError`.

    Parameters
    ----------
    value : str
        The type, e.g. ``"aH"``, ``"abH"``, ``"aaH"``, ``"ixjyc"``.
    name : str
        The argument's name, first in every error message.
    latent : bool, optional
        ``True``: the latent axis ``H`` is required (a pooling layer's channels);
        ``None`` (default): optional.
    empty : bool
        Accept ``""`` (a scalar: an invariant output).
    depends : dict, optional
        ``{"x": "i"}``, checked against the type.

    >>> parse_type("ixjycH", depends={"x": "i", "y": "j"}).depends
    (('x', 'i'), ('y', 'j'))
    >>> parse_type("Ha")
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: symmetry_type: expected lowercase letters a-z, one per permuted axis (a repeated letter: one index set acting jointly), then optionally the latent axis 'H' last, like 'aH', 'abH', 'aaH', got 'Ha' (the latent axis 'H' must be the last axis, and appear at most once)
    """
    if not isinstance(value, str):
        _fail(name, value, f"{type(value).__name__}, not a string")
    if not value and not empty:
        _fail(name, value, "an empty string")
    for ch in value:
        if ch != LATENT and not ("a" <= ch <= "z"):
            _fail(name, value, f"character {ch!r} is neither a lowercase letter a-z nor the latent axis 'H'")
    if LATENT in value[:-1]:
        _fail(name, value, "the latent axis 'H' must be the last axis, and appear at most once")
    has_latent = value.endswith(LATENT)
    axes = value[:-1] if has_latent else value
    if latent and not has_latent:
        _fail(name, value, "no latent axis", "permuted lowercase letters then the latent axis 'H' last, "
              "like 'aH', 'abH', 'aaH', 'aabH'")
    if latent and not axes:
        _fail(name, value, "no permuted axis", "permuted lowercase letters then the latent axis 'H' last, "
              "like 'aH', 'abH', 'aaH', 'aabH'")
    return SymmetryType(value, axes, has_latent, _check_depends(name, value, axes, depends))
