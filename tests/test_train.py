"""Tests for permsym.train and permsym.checkpoint: budgets, seeding, fit, checkpoints."""

import dataclasses
import math
import os
import random

import numpy as np
import pytest
import torch
from torch import nn

from permsym import PermsymError, TrainConfig, budget, fit, load_checkpoint, pick_device, save_checkpoint, seed_everything
from permsym.checkpoint import read_checkpoint
from permsym.plot import plot_history
from permsym.train import learning_rate


# --- budgets, device, seeding -------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("PERMSYM_QUICK", raising=False)
    monkeypatch.delenv("PERMSYM_FULL", raising=False)
    return monkeypatch


def test_budget_from_environment(clean_env):
    clean_env.setenv("PERMSYM_QUICK", "1")
    assert budget() == "quick"
    clean_env.setenv("PERMSYM_QUICK", "no")
    clean_env.setenv("PERMSYM_FULL", "true")
    assert budget() == "full"


def test_budget_refuses_a_value_that_means_neither(clean_env):
    clean_env.setenv("PERMSYM_QUICK", "maybe")
    with pytest.raises(PermsymError, match="PERMSYM_QUICK.*got 'maybe'"):
        budget()


def test_budget_refuses_both_variables(clean_env):
    clean_env.setenv("PERMSYM_QUICK", "1")
    clean_env.setenv("PERMSYM_FULL", "1")
    with pytest.raises(PermsymError, match="PERMSYM_QUICK and PERMSYM_FULL are both set"):
        budget()


def test_budget_refuses_an_unknown_name():
    with pytest.raises(PermsymError, match="budget name: expected one of .*got 'medium'"):
        budget("medium")


def test_device_cpu_and_bad_names():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device().type in ("cuda", "mps", "cpu")
    with pytest.raises(PermsymError, match="prefer: expected 'cuda', 'mps' or 'cpu', got 'tpu'"):
        pick_device("tpu")


def test_seed_everything_repeats_all_three_generators():
    def draw():
        return random.random(), float(np.random.rand()), torch.rand(3).tolist()

    seed_everything(7)
    first = draw()
    seed_everything(7)
    assert draw() == first
    with pytest.raises(PermsymError, match="seed: expected an int >= 0, got -1"):
        seed_everything(-1)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("steps", -1, "steps: expected an int >= 0, got -1"),
        ("batch_size", 0, "batch_size: expected an int >= 1, got 0"),
        ("lr", float("nan"), "lr: expected a number > 0, got nan"),
        ("clip_grad_norm", 0.0, "clip_grad_norm: expected None or a number > 0, got 0.0"),
        ("amp", "yes", "amp: expected True or False, got 'yes'"),
    ],
    ids=lambda v: str(v)[:12],
)
def test_train_config_names_a_bad_field(field, value, message):
    with pytest.raises(PermsymError, match=message):
        TrainConfig(**{field: value})


# --- fit ----------------------------------------------------------------------


class Net(nn.Module):
    """A tiny regression net; dropout makes the run depend on the global torch generator."""

    def __init__(self, hidden: int = 8, extra: bool = False, dropout: float = 0.2):
        super().__init__()
        self.layer = nn.Linear(3, hidden)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, 1)
        if extra:
            self.extra = nn.Linear(1, 1)

    def forward(self, x):  # (B, 3) -> (B, 1)
        return self.out(self.drop(torch.tanh(self.layer(x))))


def batches(gen, batch_size):
    x = torch.randn(batch_size, 3, generator=gen)  # (B, 3)
    return x, (x[:, :1] - 0.5 * x[:, 1:2]).tanh()  # (B, 1)


def mse(model, batch):
    x, y = batch
    return nn.functional.mse_loss(model(x), y)


def evaluate(model):
    gen = torch.Generator().manual_seed(12345)
    return {"val_loss": mse(model, batches(gen, 64)).item()}


def net(seed=0, **kw):
    torch.manual_seed(seed)
    return Net(**kw)


CONFIG = TrainConfig(steps=10, lr=0.05, batch_size=16, eval_every=4, checkpoint_every=5, seed=3)


def test_cosine_schedule_is_the_step_size_the_optimizer_takes():
    # loss = w has gradient 1 at every step, so each AdamW step moves w by exactly the learning rate
    weights = []

    def linear(model, batch):
        weights.append(model.weight.item())
        return model.weight.sum()

    model = nn.Linear(1, 1, bias=False)
    config = TrainConfig(steps=4, lr=0.2, schedule="cosine", batch_size=1)
    fit(model, linear, lambda gen, n: torch.zeros(n), config, device="cpu", progress=False)
    weights.append(model.weight.item())
    steps = [a - b for a, b in zip(weights, weights[1:])]
    expected = [learning_rate(config, s) for s in range(1, 5)]
    assert expected[0] == 0.2 and expected[-1] < 0.2 * 0.15
    assert np.allclose(steps, expected, rtol=1e-5)
    with pytest.raises(PermsymError, match=r"schedule: expected one of \('constant', 'cosine'\), got 'linear'"):
        TrainConfig(schedule="linear")


def test_fit_reduces_the_loss_of_a_tiny_regression():
    config = TrainConfig(steps=150, lr=0.05, batch_size=32, eval_every=50)
    history = fit(net(dropout=0.0), mse, batches, config, evaluate=evaluate, device="cpu", progress=False)
    assert history["eval"]["val_loss"][-1] < 0.1 * history["eval"]["val_loss"][0]
    assert np.mean(history["loss"][-10:]) < 0.1 * np.mean(history["loss"][:10])


def test_history_structure(capsys):
    config = dataclasses.replace(CONFIG, clip_grad_norm=1.0)
    history = fit(net(), mse, batches, config, evaluate=evaluate, device="cpu", progress=True)
    assert set(history) == {"step", "loss", "seconds", "eval", "used"}
    assert history["step"] == list(range(1, 11))
    assert len(history["loss"]) == len(history["seconds"]) == 10
    assert all(math.isfinite(v) for v in history["loss"])
    assert history["seconds"] == sorted(history["seconds"])
    assert history["eval"]["step"] == [4, 8, 10]  # every 4 steps, and the last
    assert len(history["eval"]["val_loss"]) == 3
    assert history["used"] == {"device": "cpu", "amp": None, "compile": False}
    assert "10/10" in capsys.readouterr().err  # the progress bar


def test_amp_and_compile_are_off_on_cpu():
    config = dataclasses.replace(CONFIG, steps=2, amp=True, compile=True)
    history = fit(net(), mse, batches, config, device="cpu", progress=False)
    assert history["used"] == {"device": "cpu", "amp": None, "compile": False}


def test_evaluate_must_return_a_dict():
    with pytest.raises(PermsymError, match="evaluate: expected a dict"):
        fit(net(), mse, batches, CONFIG, evaluate=lambda m: 1.0, device="cpu", progress=False)


class Interrupted(Exception):
    pass


def stop_at(step, loss_fn=mse, exc=None):
    """``loss_fn`` that raises ``exc`` (or returns NaN) at its ``step``-th call (one call per step)."""
    calls = []

    def wrapped(model, batch):
        calls.append(1)
        loss = loss_fn(model, batch)
        if len(calls) == step:
            if exc is not None:
                raise exc
            return loss * float("nan")
        return loss

    return wrapped


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_resume_repeats_the_uninterrupted_run_bit_for_bit(tmp_path, schedule):
    config = dataclasses.replace(CONFIG, schedule=schedule)
    straight = net()
    expected = fit(straight, mse, batches, config, evaluate=evaluate, device="cpu", progress=False)

    path = tmp_path / "run.pt"
    with pytest.raises(Interrupted):  # killed during step 8: the checkpoint holds step 5
        fit(net(), stop_at(8, exc=Interrupted()), batches, config, evaluate=evaluate, checkpoint=path,
            device="cpu", progress=False)
    assert torch.load(path, weights_only=True)["step"] == 5
    random.random(), np.random.rand(), torch.rand(5)  # disturb the global generators

    resumed = net(seed=99)  # fresh weights: all of them must come from the checkpoint
    history = fit(resumed, mse, batches, config, evaluate=evaluate, checkpoint=path, resume=True,
                  device="cpu", progress=False)
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert history["step"] == expected["step"]
    assert history["loss"] == expected["loss"]
    assert history["eval"] == expected["eval"]
    assert torch.load(path, weights_only=True)["step"] == 10


def test_resume_refuses_a_changed_config_or_too_few_steps(tmp_path):
    path = tmp_path / "run.pt"
    fit(net(), mse, batches, CONFIG, checkpoint=path, device="cpu", progress=False)
    changed = dataclasses.replace(CONFIG, lr=0.1, steps=20)  # more steps is fine, another lr is not
    with pytest.raises(PermsymError, match=r"config 'lr' is 0.05 in the checkpoint but 0.1 here"):
        fit(net(), mse, batches, changed, checkpoint=path, resume=True, device="cpu", progress=False)
    with pytest.raises(PermsymError, match="config.steps: expected at least the checkpoint's step 10, got 6"):
        fit(net(), mse, batches, dataclasses.replace(CONFIG, steps=6), checkpoint=path, resume=True,
            device="cpu", progress=False)


def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    path = tmp_path / "run.pt"
    with pytest.raises(PermsymError, match=r"step 8: the loss is nan; .*run.pt' at step 5") as caught:
        fit(net(), stop_at(8), batches, CONFIG, checkpoint=path, device="cpu", progress=False)
    assert caught.value.history["step"] == list(range(1, 8))
    model = net(seed=1)
    assert load_checkpoint(path, model)["step"] == 5
    assert all(torch.isfinite(p).all() for p in model.parameters())


# --- checkpoints --------------------------------------------------------------


def test_a_checkpoint_is_never_written_with_nan_parameters(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", net(), step=1)
    broken = net()
    with torch.no_grad():
        broken.out.bias.fill_(float("inf"))
    with pytest.raises(PermsymError, match=r"not written at step 2, parameters \['out.bias'\] are not finite"):
        save_checkpoint(path, broken, step=2)
    assert load_checkpoint(path, net())["step"] == 1
    assert os.listdir(tmp_path) == ["m.pt"]


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    model, path = net(), tmp_path / "m.pt"
    for step in range(3):
        save_checkpoint(path, model, torch.optim.AdamW(model.parameters()), config=CONFIG, step=step)
    assert os.listdir(tmp_path) == ["m.pt"]

    def crash(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model, step=3)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.pt"]  # no temporary file left, the old checkpoint intact
    assert load_checkpoint(path, net())["step"] == 2


def test_loading_into_another_shape_names_the_parameters(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", net(hidden=4))
    with pytest.raises(PermsymError) as caught:
        load_checkpoint(path, net(hidden=8))
    message = str(caught.value)
    assert message.startswith(f"checkpoint '{path}': parameter 'layer.weight' has shape (4, 3) in the checkpoint")
    assert "'layer.weight' has shape (4, 3) in the checkpoint but (8, 3) in the model" in message
    assert "'out.weight' has shape (1, 4) in the checkpoint but (1, 8) in the model" in message


def test_loading_names_missing_and_unexpected_entries(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", net())
    with pytest.raises(PermsymError, match=r"missing: \['extra.weight', 'extra.bias'\]"):
        load_checkpoint(path, net(extra=True))
    path = save_checkpoint(tmp_path / "y.pt", net(extra=True))
    with pytest.raises(PermsymError, match=r"unexpected: \['extra.weight', 'extra.bias'\]"):
        load_checkpoint(path, net())


def test_loading_refuses_another_model_class_and_a_missing_file(tmp_path):
    path = save_checkpoint(tmp_path / "x.pt", nn.Linear(3, 1))
    with pytest.raises(PermsymError, match="saved from a model of class 'Linear', but the model is a 'Net'"):
        load_checkpoint(path, net())
    with pytest.raises(PermsymError, match="checkpoint: expected an existing checkpoint file"):
        load_checkpoint(tmp_path / "nothing.pt", net())


def test_unreadable_files_are_one_line_errors(tmp_path):
    good = save_checkpoint(tmp_path / "good.pt", net(), step=2)
    raw = good.read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[: len(raw) // 3])
    (tmp_path / "text.pt").write_text("hello")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    for name in ("cut.pt", "text.pt"):
        with pytest.raises(PermsymError, match=rf"checkpoint '.*{name}': not a readable checkpoint \(\w+: "):
            load_checkpoint(tmp_path / name, net())
    with pytest.raises(PermsymError, match=r"expected a permsym checkpoint with entries \['model', 'step', "
                                           r"'model_class', 'shapes'\], got \['weights'\]"):
        read_checkpoint(tmp_path / "other.pt")
    with pytest.raises(PermsymError) as err:
        fit(net(), mse, batches, CONFIG, checkpoint=tmp_path / "cut.pt", resume=True, device="cpu", progress=False)
    assert "not a readable checkpoint" in str(err.value) and "\n" not in str(err.value)


def test_save_refuses_what_it_could_not_load_back_and_cleans_stale_temporaries(tmp_path):
    class Opaque:
        pass

    stale = tmp_path / ".m.pt.abc123.tmp"
    stale.write_text("left by an interrupted write")
    with pytest.raises(PermsymError, match=r"checkpoint '.*m.pt': not written, could not be saved"):
        save_checkpoint(tmp_path / "m.pt", net(), meta={"thing": Opaque()})
    with pytest.raises(PermsymError, match=r"checkpoint '.*m.pt': not written, it could not be loaded back"):
        save_checkpoint(tmp_path / "m.pt", net(), meta={"array": np.zeros(3)})
    assert not (tmp_path / "m.pt").exists() and stale.exists()
    save_checkpoint(tmp_path / "m.pt", net(), meta={"task": "x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]
    assert read_checkpoint(tmp_path / "m.pt")["meta"] == {"task": "x"}


def test_resume_checks_meta(tmp_path):
    path = tmp_path / "run.pt"
    fit(net(), mse, batches, CONFIG, checkpoint=path, device="cpu", progress=False, meta={"data": {"n": 1}})
    with pytest.raises(PermsymError, match=r"'data.n' is 1 in the checkpoint but 2 here"):
        fit(net(), mse, batches, CONFIG, checkpoint=path, resume=True, device="cpu", progress=False,
            meta={"data": {"n": 2}})


def test_checkpoint_restores_the_optimizer(tmp_path):
    model = net()
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    mse(model, batches(torch.Generator().manual_seed(0), 8)).backward()
    opt.step()
    path = save_checkpoint(tmp_path / "m.pt", model, opt, config=CONFIG, step=1)
    other = net(seed=5)
    other_opt = torch.optim.AdamW(other.parameters(), lr=0.01)
    assert load_checkpoint(path, other, other_opt, config=CONFIG)["config"] == dataclasses.asdict(CONFIG)
    saved, loaded = opt.state_dict()["state"], other_opt.state_dict()["state"]
    assert all(torch.equal(saved[i]["exp_avg"], loaded[i]["exp_avg"]) for i in saved)


# --- plot ---------------------------------------------------------------------


def test_plot_history_draws_loss_and_eval_metrics():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = fit(net(), mse, batches, CONFIG, evaluate=evaluate, device="cpu", progress=False)
    ax = plot_history(history)
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]
    assert ax.get_yscale() == "log"
    _, ax2 = plt.subplots()
    assert plot_history(history, ax=ax2, keys=["val_loss"], logy=False) is ax2
    with pytest.raises(PermsymError, match="keys: 'accuracy' is not in the history"):
        plot_history(history, keys=["accuracy"])
    plt.close("all")
