r"""Power-spectrum estimation from an unordered set of samples (the power-spectrum note's task).

Estimate ``log p_k``, ``k = 1..k_fin``, of a random periodic function from ``N`` samples
``(x_n, y_n)``, a set: ``(B, N, 2)`` -> ``(B, k_fin)``. The chapter is book/spectrum.ipynb.

- :mod:`.data`: the functions and sets (:class:`~.data.SpectrumTask`), the splits (training
  batches, validation and test sets from distinct generator seeds) and the reference estimators
  (trivial, projection, least squares, total-power regression).
- :mod:`.models`: the note's DeepSets network (``"note"``), the order-2 pooling network
  (``"order2"``), a flat MLP (``"mlp"``); the registry ``MODELS``.
- :mod:`.training`: ``TASK``, the budgets ``CONFIGS``, ``predict``, ``evaluate_all``.
- :mod:`.studies`: the note's figures, ``run_sweep`` (Fig. 2-4) and ``run_robustness`` (Fig. 5).
- :mod:`.__main__`: the command line::

    python -m permsym.tasks.spectrum train --budget quick [--model order2] [--out FILE.pt] [--resume]
    python -m permsym.tasks.spectrum evaluate --checkpoint FILE.pt [--noise 0.3]
    python -m permsym.tasks.spectrum sweep --budget full --out book/data/spectrum-sweep.json
    python -m permsym.tasks.spectrum robustness --budget full --device cuda --out book/data/spectrum-robustness.json
"""
