"""The model of the knowledge-graph task: an ``aaH`` :class:`permsym.EinNet`, and its registry.

- :data:`MODELS`: the registry :func:`permsym.tasks.base.build_model` builds a spec from.
- :func:`einnet_spec`: the spec for a dataset: ``R`` input channels (one per relation) and ``2R``
  output channels (head and tail logits).
- :data:`NO_PRODUCT`: the ``aaH`` pooling without its matrix product, for the ablation.
"""

from __future__ import annotations

from ...einnet import EinNet
from ...einsum_pooling import EinPoolAA
from ...errors import PermsymError

MODELS = {"einnet": EinNet}
#: Relations per dataset (checked against PyKEEN's data by ``tests/test_kg.py``).
N_RELATIONS = {"kinships": 25, "umls": 46, "nations": 55}
#: The ``aaH`` pooling without its matrix product ``abH,bcH->acH`` (the ablation).
NO_PRODUCT = [op for op in EinPoolAA.OPS if op != "abH,bcH->acH"]


def einnet_spec(dataset: str, width: int = 64, heads: int = 16, stacks: int = 3, ops=None) -> dict:
    """The model spec of an ``aaH`` EinNet for ``dataset`` (its relations give the channels).

    >>> einnet_spec("kinships")["out_features"]
    50
    """
    if dataset not in N_RELATIONS:
        raise PermsymError(f"dataset: expected one of {list(N_RELATIONS)}, got {dataset!r}")
    r = N_RELATIONS[dataset]
    spec = {"name": "einnet", "type_string": "aaH", "in_features": r, "out_features": 2 * r, "width": width,
            "heads": heads, "stacks": stacks, "backbone": "revised"}
    if ops is not None:
        spec["ops"] = list(ops)
    return spec
