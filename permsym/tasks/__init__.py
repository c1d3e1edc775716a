"""Tasks: data, reference estimators, models and a command line, one module per task.

- :mod:`permsym.tasks.spectrum`: power-spectrum estimation from a set of samples
  of a random periodic function (``python -m permsym.tasks.spectrum``).
- :mod:`permsym.tasks.pinv`: the matrix pseudo-inverse, learned by an ``abH``
  einsum network (``python -m permsym.tasks.pinv``).
- :mod:`permsym.tasks.sudoku_data`, :mod:`permsym.tasks.sudoku`: puzzle generator,
  solver and validator; the equivariant recurrent solver and its baseline
  (``python -m permsym.tasks.sudoku generate|train|evaluate|solve``).
"""
