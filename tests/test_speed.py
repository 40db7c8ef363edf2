"""helpers.speed (notebook 07): the slice loader, the small conv net, FLOPs, the stopwatch, the race."""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd
import pytest
import torch
from torch import nn

from helpers import speed
from helpers.speed import PEER, SmallConvNet, Stopwatch, MnistTensors, count_flops, our_recipe, race, slices, summarize


# ------------------------------------------------------------------ data


def test_mnist_tensors_are_normalised_float_images_on_the_device():
    d = speed.mnist_tensors("cpu")
    assert d.train_x.shape == (60000, 1, 28, 28) and d.test_x.shape == (10000, 1, 28, 28)
    assert d.train_x.dtype == torch.float32 and d.train_y.dtype == torch.int64
    assert abs(d.train_x.mean().item()) < 1e-3 and abs(d.train_x.std().item() - 1) < 1e-3
    assert d.train_y.unique().tolist() == list(range(10))
    small = speed.mnist_tensors("cpu", n_train=500, n_test=300)
    assert len(small.train_x) == len(small.train_y) == 500 and torch.equal(small.train_x, d.train_x[:500])
    assert len(small.test_x) == len(small.test_y) == 300 and torch.equal(small.test_y, d.test_y[:300])


@pytest.mark.parametrize("n_train, n_test, wrong", [(0, None, "n_train"), (60001, None, "n_train"), (2.5, None, "n_train"),
                                                    (None, 0, "n_test"), (None, 10001, "n_test")])
def test_mnist_tensors_refuses_a_bad_size(n_train, n_test, wrong):
    with pytest.raises(ValueError, match=f"{wrong} must be"):
        speed.mnist_tensors("cpu", n_train=n_train, n_test=n_test)


def test_slices_cover_every_item_once_per_epoch_in_order():
    x, y = torch.arange(10).float().view(10, 1), torch.arange(10)
    batches = list(slices(x, y, 4))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    assert torch.equal(torch.cat([yb for _, yb in batches]), y)
    assert all(torch.equal(xb.view(-1).long(), yb) for xb, yb in batches)  # images stay with their labels


def test_slices_shuffle_each_epoch_anew_and_still_cover_every_item_once():
    x, y = torch.arange(100).float().view(100, 1), torch.arange(100)
    g = torch.Generator().manual_seed(0)
    epochs = [torch.cat([yb for _, yb in slices(x, y, 32, shuffle=True, generator=g)]) for _ in range(2)]
    for seen in epochs:
        assert sorted(seen.tolist()) == list(range(100))
        assert not torch.equal(seen, y)
    assert not torch.equal(epochs[0], epochs[1])
    xb, yb = next(slices(x, y, 32, shuffle=True, generator=g))
    assert torch.equal(xb.view(-1).long(), yb)


def test_slices_are_views_not_copies_when_not_shuffled():
    x, y = torch.zeros(8, 1, 2, 2), torch.zeros(8, dtype=torch.long)
    xb, _ = next(slices(x, y, 4))
    assert xb.data_ptr() == x.data_ptr()


def test_slices_say_what_is_wrong():
    with pytest.raises(ValueError, match="as many items"):
        next(slices(torch.zeros(3, 1), torch.zeros(2), 2))
    with pytest.raises(ValueError, match="batch_size must be"):
        next(slices(torch.zeros(3, 1), torch.zeros(3), 0))


# ------------------------------------------------------------------ the network and its cost


def test_the_peer_network_has_tuomasos_layers_and_parameter_count():
    net = PEER.model()
    assert (net.conv1.in_channels, net.conv1.out_channels, net.conv1.kernel_size) == (1, 24, (5, 5))
    assert (net.conv2.in_channels, net.conv2.out_channels, net.conv2.kernel_size) == (24, 32, (3, 3))
    assert (net.fc1.in_features, net.fc1.out_features, net.fc2.out_features) == (800, 256, 10)
    assert sum(p.numel() for p in net.parameters()) == (24 * 25 + 24) + (32 * 24 * 9 + 32) + (800 * 256 + 256) + 2570
    assert net(torch.zeros(5, 1, 28, 28)).shape == (5, 10)


def test_our_network_crops_the_border_and_is_smaller():
    net = our_recipe("cpu").model()
    assert net.fc1.in_features == 32 * 4 * 4  # 24 -> conv5 20 -> pool 10 -> conv3 8 -> pool 4
    assert sum(p.numel() for p in net.parameters()) == (16 * 25 + 16) + (32 * 16 * 9 + 32) + (512 * 256 + 256) + 2570
    x = torch.randn(3, 1, 28, 28)
    x2 = x.clone()
    x2[:, :, :2], x2[:, :, -2:], x2[:, :, :, :2], x2[:, :, :, -2:] = 100.0, 100.0, 100.0, 100.0
    assert torch.equal(net(x), net(x2))  # what lies in the 2-pixel border changes nothing
    x2[:, :, 2, 2] = 100.0
    assert not torch.equal(net(x), net(x2))  # but the pixel just inside does


@pytest.mark.parametrize("crop", [-1, 9])
def test_a_crop_that_leaves_no_image_is_refused(crop):
    with pytest.raises(ValueError, match=f"crop={crop}: cut 0 to 8 pixels"):
        SmallConvNet(crop=crop)
    assert SmallConvNet(crop=8)(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_count_flops_counts_two_per_multiply_add_and_keeps_the_mode():
    net = PEER.model().train()
    expected = 2 * (24 * 24 * 24 * 25 + 10 * 10 * 32 * 24 * 9 + 800 * 256 + 256 * 10)
    assert count_flops(net, torch.zeros(1, 1, 28, 28)) == expected == 2_488_320
    assert net.training
    assert count_flops(net, torch.zeros(4, 1, 28, 28)) == 4 * expected


# ------------------------------------------------------------------ timing


def test_stopwatch_waits_for_the_gpu_before_and_after(monkeypatch):
    calls = []

    def fake_synchronize(device=None):
        calls.append(device)
        time.sleep(0.05)  # the queued GPU work

    monkeypatch.setattr(torch.cuda, "synchronize", fake_synchronize)
    with Stopwatch("cuda") as watch:
        assert len(calls) == 1
    assert len(calls) == 2 and all(torch.device(d).type == "cuda" for d in calls)
    assert watch.seconds >= 0.05  # the work still running at the end is counted


def test_stopwatch_on_the_cpu_needs_no_synchronize(monkeypatch):
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: pytest.fail("synchronize called on a CPU"))
    with Stopwatch("cpu") as watch:
        time.sleep(0.02)
    assert 0.02 <= watch.seconds < 1


# ------------------------------------------------------------------ recipes


def test_our_recipe_uses_bf16_only_where_the_hardware_is_fast(monkeypatch):
    monkeypatch.setattr(speed, "bf16_is_fast", lambda device: False)
    assert our_recipe("cpu").bf16 is False
    monkeypatch.setattr(speed, "bf16_is_fast", lambda device: True)
    assert our_recipe("cpu").bf16 is True
    assert (our_recipe("cpu").batch_size, our_recipe("cpu").lr, our_recipe("cpu").betas) == (256, 1e-2, (0.7, 0.9))


def test_bf16_is_fast_on_a_gpu_only_from_ampere_on_not_where_it_is_emulated(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    # torch.cuda.is_bf16_supported() counts emulation by default: True on a T4 (7.5), where bf16 is slow
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: including_emulation)
    capability = {"value": (7, 5)}
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability["value"])
    assert speed.bf16_is_fast("cuda") is False
    assert our_recipe("cuda").bf16 is False
    for ampere_or_later in [(8, 0), (8, 6), (9, 0)]:
        capability["value"] = ampere_or_later
        assert speed.bf16_is_fast("cuda") is True
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert speed.bf16_is_fast("cuda") is False


def test_machine_settings_change_the_layout_evaluation_and_number_format_not_the_training(monkeypatch):
    monkeypatch.setattr(speed, "bf16_is_fast", lambda device: True)
    tuned = speed.machine_settings(PEER, "cpu")
    assert (tuned.channels_last, tuned.eval_batch, tuned.inference_mode, tuned.bf16) == (True, 500, True, True)
    assert replace(tuned, channels_last=False, eval_batch=2000, inference_mode=False, bf16=False) == PEER
    ours = our_recipe("cpu")
    assert speed.machine_settings(replace(ours, channels_last=False, bf16=False), "cpu") == ours
    monkeypatch.setattr(speed, "bf16_is_fast", lambda device: False)
    assert speed.machine_settings(PEER, "cpu").bf16 is False


def test_bf16_is_fast_asks_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert speed.bf16_is_fast("cpu") is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert speed.bf16_is_fast("cpu") is True


def _count_forwards(model: nn.Module) -> list[int]:
    seen: list[int] = []
    model.register_forward_hook(lambda m, inp, out: seen.append(len(inp[0])))
    return seen


@pytest.mark.parametrize("epochs, expected", [(1.0, [32, 32, 32, 4]), (0.5, [32, 18]), (1.5, [32, 32, 32, 4, 32, 18])])
def test_train_steps_through_the_asked_fraction_of_the_data(epochs, expected):
    x, y = torch.randn(100, 1, 28, 28), torch.randint(0, 10, (100,))
    recipe = replace(PEER, batch_size=32, epochs=epochs)
    model = recipe.model()
    seen = _count_forwards(model)
    speed.train_recipe(recipe, model, x, y)  # OneCycleLR raises if it is stepped more often than planned
    assert seen == expected


def test_train_learns_digits_with_every_switch_on():
    d = speed.mnist_tensors("cpu", n_train=3000)
    for recipe in (replace(PEER, epochs=2.0), replace(our_recipe("cpu"), epochs=2.0, bf16=True)):
        torch.manual_seed(0)
        model = speed.train_recipe(recipe, recipe.model(), d.train_x, d.train_y)
        assert speed.evaluate(recipe, model, d.test_x[:2000], d.test_y[:2000]) > 0.9, recipe.name


class _ReadsTheLabel(nn.Module):
    """Predicts the label written in pixel (0, 0): a model whose accuracy we know exactly."""

    def forward(self, x):
        return nn.functional.one_hot(x[:, 0, 0, 0].long(), 10).float()


@pytest.mark.parametrize("inference_mode, channels_last", [(False, False), (True, True)])
def test_evaluate_counts_every_item_including_the_last_short_batch(inference_mode, channels_last):
    y = torch.arange(1050) % 10
    x = torch.zeros(1050, 1, 28, 28)
    x[:, 0, 0, 0] = y.float()
    x[-7:, 0, 0, 0] = (y[-7:].float() + 1) % 10  # the last 7 (in the short batch) are wrong
    recipe = replace(PEER, eval_batch=500, inference_mode=inference_mode, channels_last=channels_last)
    assert speed.evaluate(recipe, _ReadsTheLabel(), x, y) == (1050 - 7) / 1050


def test_race_takes_turns_and_gives_every_recipe_the_same_order_per_seed(monkeypatch):
    calls = []

    def fake_time_recipe(recipe, data, seed):
        calls.append((recipe.name, seed, len(data.train_y), data.train_y[:20].tolist()))
        return (0.995 if recipe.name == "a" else 0.985), 1.0 if recipe.name == "a" else 2.0

    monkeypatch.setattr(speed, "time_recipe", fake_time_recipe)
    n = 1000
    data = MnistTensors(torch.zeros(n, 1, 28, 28), torch.arange(n), torch.zeros(10, 1, 28, 28), torch.arange(10))
    table = race([replace(PEER, name="a"), replace(PEER, name="b")], data, seeds=(0, 1), verbose=False)
    warmups, timed = calls[:2], calls[2:]
    assert [(c[0], c[2]) for c in warmups] == [("a", 3 * 256), ("b", 3 * 256)]
    assert [(c[0], c[1]) for c in timed] == [("a", 0), ("b", 0), ("b", 1), ("a", 1)]  # the other one first
    assert timed[0][3] == timed[1][3] and timed[2][3] == timed[3][3]  # same order for both recipes
    assert timed[0][3] != timed[2][3] and timed[0][3] != list(range(20))  # shuffled, anew per seed
    assert table.to_dict("records") == [
        dict(method="a", accuracy=0.995, worst=0.995, seconds=1.0, reaches_99=True),
        dict(method="b", accuracy=0.985, worst=0.985, seconds=2.0, reaches_99=False)]


def test_race_rotates_who_goes_first_seed_by_seed_and_keeps_the_table_in_the_given_order(monkeypatch):
    calls = []
    monkeypatch.setattr(speed, "time_recipe", lambda recipe, data, seed: calls.append((seed, recipe.name)) or (0.99, 1.0))
    data = MnistTensors(torch.zeros(900, 1, 28, 28), torch.zeros(900, dtype=torch.long), torch.zeros(10, 1, 28, 28),
                   torch.zeros(10, dtype=torch.long))
    recipes = [replace(PEER, name=name) for name in "abc"]
    table = race(recipes, data, seeds=(5, 6, 7, 8), verbose=False)
    turns = ["".join(name for s, name in calls[3:] if s == seed) for seed in (5, 6, 7, 8)]
    assert turns == ["abc", "bca", "cab", "abc"]
    assert table["method"].tolist() == ["a", "b", "c"]


def test_race_refuses_two_recipes_of_one_name():
    data = MnistTensors(torch.zeros(4, 1, 28, 28), torch.zeros(4, dtype=torch.long), torch.zeros(4, 1, 28, 28),
                   torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="its own name"):
        race([PEER, PEER], data, verbose=False)


def test_the_time_is_the_median_run_so_one_slowed_run_does_not_move_it():
    runs = pd.DataFrame(dict(method=["a"] * 3, seed=[0, 1, 2], accuracy=[0.991] * 3, seconds=[2.0, 30.0, 2.2]))
    assert summarize(runs).iloc[0]["seconds"] == 2.2


def test_a_recipe_reaches_99_only_if_no_seed_falls_below_98_9():
    runs = pd.DataFrame(dict(method=["a"] * 3, seed=[0, 1, 2], accuracy=[0.993, 0.993, 0.9885], seconds=[1, 1, 1]))
    row = summarize(runs).iloc[0]
    assert row["accuracy"] >= 0.99 and not row["reaches_99"]


def test_time_recipe_times_a_real_run():
    d = speed.mnist_tensors("cpu", n_train=512)
    acc, seconds = speed.time_recipe(replace(PEER, eval_batch=1000), MnistTensors(d.train_x, d.train_y, d.test_x[:1000],
                                                                             d.test_y[:1000]), seed=0)
    assert 0.0 <= acc <= 1.0 and 0 < seconds < 60


def test_race_lines_up_its_log_whatever_the_names(monkeypatch, capsys):
    monkeypatch.setattr(speed, "time_recipe", lambda recipe, data, seed: (0.99, 1.0))
    data = MnistTensors(torch.zeros(900, 1, 28, 28), torch.zeros(900, dtype=torch.long), torch.zeros(10, 1, 28, 28),
                        torch.zeros(10, dtype=torch.long))
    long_name = "+ evaluation: batches of 500, inference_mode (a name longer than thirty)"
    race([replace(PEER, name="a"), replace(PEER, name=long_name)], data, seeds=(0,))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and len({line.index("accuracy") for line in lines}) == 1, lines


def test_source_without_docstrings_keeps_the_code_and_comments():
    text = speed.source_without_docstrings(speed.train_recipe, speed.evaluate)
    assert text.startswith("def train_recipe(") and "\n\ndef evaluate(" in text
    assert '"""' not in text and ">>>" not in text                      # no docstring, no doctest
    assert "opt.step()" in text and "# a new order for each further epoch" in text
    with pytest.raises(ValueError, match="can't read the source"):
        speed.source_without_docstrings(len)
