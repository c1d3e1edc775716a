r"""Knowledge-graph reasoning (the blog post's third use case): a family tree as a tensor of type ``aaH``.

A graph of ``N`` people and ``R`` relations is ``X[i, j, r]`` (1 where *r(i, j)* is known); the
two person axes are permuted jointly, because a rule such as "r1(A, B) and r2(A, C) give r3(B,
C)" does not care how people are numbered. An ``aaH`` EinNet maps the known graph to head and
tail scores of every query at once. Data and evaluation are PyKEEN's (the ``[kg]`` extra).

- :mod:`~permsym.tasks.kg.data`: Kinships, UMLS and Nations from PyKEEN's wheel; the post's
  random 90/10 split of the training triples per step; the two protocols.
- :mod:`~permsym.tasks.kg.evaluate`: every model as a score table ranked by PyKEEN's
  ``RankBasedEvaluator``; the pair prior.
- :mod:`~permsym.tasks.kg.training`: the task, its budgets, the ablation.
- :mod:`~permsym.tasks.kg.baselines`: ComplEx, RotatE and TuckER trained by PyKEEN.
- :mod:`~permsym.tasks.kg.study`: the chapter's tables in one run; the scaling measurement.
- Command line (each ends with one JSON line)::

    python -m permsym.tasks.kg train --budget quick|full [--dataset kinships] [--seed S] [--out FILE.pt]
    python -m permsym.tasks.kg evaluate --checkpoint FILE.pt --protocol post|standard
    python -m permsym.tasks.kg baselines --budget quick|full --out FILE.json [--datasets kinships,umls,nations]
"""
