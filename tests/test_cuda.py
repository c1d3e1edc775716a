"""The CUDA paths of the training helpers and models: mixed precision, ``torch.compile``, resume.

Skipped without a GPU (CI has none); run on a GPU machine with ``pytest tests/test_cuda.py``.
"""

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from permsym import EinNet, TrainConfig, assert_equivariant, fit, pick_device
from permsym.tasks import base
from permsym.tasks.spectrum import data as spectrum_data
from permsym.tasks.spectrum import training as spectrum
from permsym.tasks.sudoku import models as sudoku_models
from permsym.tasks.sudoku import puzzles as sudoku_puzzles
from permsym.tasks.sudoku import solve as sudoku_solve

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def batches(gen, batch_size):
    x = torch.randn(batch_size, 3, generator=gen)  # (B, 3)
    return x, (x[:, :1] - 0.5 * x[:, 1:2]).tanh()  # (B, 1)


def mse(model, batch):
    x, y = batch
    return nn.functional.mse_loss(model(x).float(), y)


def net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 32), nn.Tanh(), nn.Linear(32, 1))


CONFIG = TrainConfig(steps=200, lr=0.02, batch_size=64, eval_every=0)


def test_device_picks_cuda():
    assert pick_device().type == "cuda"


@pytest.mark.parametrize("amp,compile_", [(False, False), (True, False), (False, True), (True, True)])
def test_fit_on_cuda_learns_with_amp_and_compile(amp, compile_):
    config = dataclasses.replace(CONFIG, amp=amp, compile=compile_)
    model = net()
    history = fit(model, mse, batches, config, progress=False)
    used = history["used"]
    assert used["device"].startswith("cuda")
    assert used["amp"] == ("bfloat16" if amp else None)
    assert used["compile"] is compile_
    assert next(model.parameters()).device.type == "cuda"
    assert np.mean(history["loss"][-20:]) < 0.2 * np.mean(history["loss"][:20])


def test_resume_on_cuda_matches_the_uninterrupted_run(tmp_path):
    config = dataclasses.replace(CONFIG, steps=40, checkpoint_every=20)
    whole = net()
    h_whole = fit(whole, mse, batches, config, progress=False)
    part = net()
    fit(part, mse, batches, dataclasses.replace(config, steps=20), checkpoint=tmp_path / "c.pt", progress=False)
    resumed = net(seed=99)  # other weights: resume must load them
    h_resumed = fit(resumed, mse, batches, config, checkpoint=tmp_path / "c.pt", resume=True, progress=False)
    assert h_resumed["step"] == h_whole["step"]
    np.testing.assert_allclose(h_resumed["loss"], h_whole["loss"], rtol=1e-5, atol=1e-7)
    for a, b in zip(whole.parameters(), resumed.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("type_string,shape", [("aH", (2, 7, 3)), ("abH", (2, 4, 5, 3)), ("aaH", (2, 5, 5, 3))])
def test_einnet_is_equivariant_on_cuda(type_string, shape):
    torch.manual_seed(0)
    model = EinNet(type_string, 3, 2, width=8, heads=2, stacks=1).cuda()
    x = torch.randn(shape, dtype=torch.float64, device="cuda")
    assert_equivariant(model, type_string, x)  # float64, 1e-9


def test_sudoku_net_on_cuda_matches_cpu():
    torch.manual_seed(0)
    model = sudoku_models.SudokuNet(hidden=16, pool=8, mlp=32, steps=3)
    puzzles = torch.as_tensor(sudoku_puzzles.dataset(4, "easy", seed=0, cache=False)[0]).long()
    x = sudoku_models.encode(puzzles)
    cpu = model(x)
    gpu = model.cuda()(x.cuda()).cpu()
    torch.testing.assert_close(gpu, cpu, rtol=1e-4, atol=1e-4)
    boards = sudoku_solve.solve_iterative(model, puzzles.numpy())  # decoding follows the model's device
    assert boards.shape == (4, 81) and (boards[puzzles.numpy() > 0] == puzzles.numpy()[puzzles.numpy() > 0]).all()


def test_spectrum_quick_budget_trains_on_cuda():
    experiment = spectrum.CONFIGS["quick"]["order2"]
    model, history = base.train(spectrum.TASK, experiment, device="cuda", progress=False)
    assert history["used"]["device"].startswith("cuda")
    assert history["eval"]["val_mse"][-1] < history["eval"]["val_mse"][0]


def test_spectrum_sets_are_drawn_on_the_gpu_and_repeat():
    task = spectrum_data.SpectrumTask(n_points=64, kmax=8, k_fin=4, noise=(0.0, 0.5))
    points, log_power = task(torch.Generator("cuda").manual_seed(3), 5)
    assert points.device.type == "cuda" and log_power.device.type == "cuda"
    again, _ = task(torch.Generator("cuda").manual_seed(3), 5)
    assert torch.equal(points, again)
    assert torch.isfinite(points).all() and (points[..., 0] >= 0).all() and (points[..., 0] < 2 * np.pi).all()


def test_fit_with_data_on_device_gives_batches_a_cuda_generator():
    seen = []

    def on_device(gen, batch_size):
        seen.append(gen.device.type)
        x = torch.randn(batch_size, 3, generator=gen, device=gen.device)
        return x, (x[:, :1] - 0.5 * x[:, 1:2]).tanh()

    history = fit(net(), mse, on_device, CONFIG, device="cuda", progress=False, data_on_device=True)
    assert set(seen) == {"cuda"} and history["loss"][-1] < 0.2 * history["loss"][0]
