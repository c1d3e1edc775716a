r"""The matrix pseudo-inverse, learned (the blog post's ``X_ab``-type use case "matrix inverse").

For a matrix :math:`A` with ``rows <= cols`` and full row rank, :math:`A^+ = A^\top (A A^\top)^{-1}`
and the target is :math:`F(A) = (A^+)^\top = (A A^\top)^{-1} A`, a matrix of the same shape as
:math:`A`. Reordering the rows and the columns of :math:`A` independently reorders :math:`F(A)`
the same way, :math:`F(PAQ) = P F(A) Q`: the symmetry type is ``abH`` (with one latent channel).
The metric is the mean absolute entry of :math:`F_\text{pred}(A) A^\top - I` (zero for the exact
answer; ``1 / rows`` for predicting zero).

- :mod:`~permsym.tasks.pinv.data`: the target, the metric, the fixed training / validation / test
  matrices (8 x 16 Gaussian, from three distinct seeds).
- :mod:`~permsym.tasks.pinv.models`: the equivariant ``EinNet("abH", 1, 1)``, the flat MLP
  baseline with as many parameters, the registry of model specs.
- :mod:`~permsym.tasks.pinv.recurrent`: :class:`RecurrentEinNet`, one ``abH`` block repeated with
  shared weights, which can start as the Newton-Schulz iteration.
- :mod:`~permsym.tasks.pinv.training`: the task, its budgets, training and scoring on the test
  split, and the chapter's study of the number of training matrices (:data:`SAMPLES`).
- :mod:`~permsym.tasks.pinv.depth`: the study of depth, the recurrent EinNet against Newton-Schulz
  and the MLP taught the symmetry by examples or given unlimited data.
- Command line (each ends with one JSON line)::

    python -m permsym.tasks.pinv train --budget quick|full [--model KIND] [--out FILE.pt] [--resume]
    python -m permsym.tasks.pinv evaluate --checkpoint FILE.pt [--seed S] [--steps K]
    python -m permsym.tasks.pinv samples --budget quick|full [--big] [--device cuda] --out FILE.json
    python -m permsym.tasks.pinv depth --budget quick|full --out FILE.json
"""
