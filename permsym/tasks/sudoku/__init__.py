"""A Sudoku solver that learns from few puzzles: an equivariant recurrent network on the board.

The board is a tensor ``X[i, x, j, y, c]`` (band, row in band, stack, column in stack, digit),
stored as ``(B, 9, 9, 9, F)``. Solving is equivariant to permuting the digits, the bands, the
stacks, the rows inside each band and the columns inside each stack independently (type
``ixjycH`` with ``x`` depending on ``i`` and ``y`` on ``j``), and to transposing the board.

- :mod:`~permsym.tasks.sudoku.data`: the board's text form, the exact solver (with a search
  limit), the rules, puzzles read from files.
- :mod:`~permsym.tasks.sudoku.puzzles`: the generator of unique puzzles and the disjoint
  train / valid / test splits.
- :mod:`~permsym.tasks.sudoku.models`: the board as a tensor, its symmetries, ``SudokuNet`` and
  the ``SudokuMLP`` baseline.
- :mod:`~permsym.tasks.sudoku.solve`: decoding (one shot, iterative), scoring, pictures.
- :mod:`~permsym.tasks.sudoku.training`: the task, its budgets, the sample-efficiency sweep.
- Command line: ``python -m permsym.tasks.sudoku generate|train|evaluate|solve|sweep``.
"""
