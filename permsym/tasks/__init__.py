"""Tasks: data, reference estimators, models and a command line, one module per task.

- :mod:`permsym.tasks.models`, :mod:`permsym.tasks.cli`: what the tasks share (a model from a spec,
  parameter counts; writing a result file, one-line errors on the command line).
- :mod:`permsym.tasks.spectrum_data`, :mod:`permsym.tasks.spectrum_models`,
  :mod:`permsym.tasks.spectrum`: power-spectrum estimation from a set of samples of a random
  periodic function: data and reference estimators, models, training and the command line
  (``python -m permsym.tasks.spectrum train|evaluate|sweep|robustness``).
- :mod:`permsym.tasks.pinv`: the matrix pseudo-inverse, learned by an ``abH``
  einsum network (``python -m permsym.tasks.pinv train|samples``).
- :mod:`permsym.tasks.sudoku_data`, :mod:`permsym.tasks.sudoku_models`,
  :mod:`permsym.tasks.sudoku_solve`, :mod:`permsym.tasks.sudoku`: puzzle generator, solver and
  validator; the board's symmetries, the equivariant recurrent solver and its baseline; decoding,
  scoring and pictures; training and the command line
  (``python -m permsym.tasks.sudoku generate|train|evaluate|solve|sweep``).
"""
