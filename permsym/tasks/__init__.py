"""The trained chapters' tasks: one package each, in one shape, on a shared base.

- :mod:`permsym.tasks.base`: what every task shares: the experiment (data, model, training, all
  seeds), seeded training, checkpoints and results that record how they were made, outputs
  checked before training, :func:`~permsym.tasks.base.load_or_run` for the chapters.
- :mod:`permsym.tasks.pinv`: the matrix pseudo-inverse, learned by an ``abH`` einsum network
  (``python -m permsym.tasks.pinv train|evaluate|samples``).
- :mod:`permsym.tasks.spectrum`: power-spectrum estimation from a set of samples of a random
  periodic function (``python -m permsym.tasks.spectrum train|evaluate|sweep|robustness``).
- :mod:`permsym.tasks.sudoku`: puzzles, the equivariant recurrent solver and its baseline
  (``python -m permsym.tasks.sudoku generate|train|evaluate|solve|sweep``).

Each task package has ``data``, ``models``, ``training`` and ``__main__`` (the command line),
and defines ``training.TASK`` and ``training.CONFIGS``; see CONTRIBUTING.md, "A trained task".
"""
