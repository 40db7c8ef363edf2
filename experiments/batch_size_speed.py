"""How fast notebook 06's resnet18 trains at batches of 64, 128 and 256, side by side (a script, not a test).

Notebook 06 trains ten digits in batches of 128 instead of fastai's 64 because a CPU gets through a big
batch faster per image. This measures that claim alone: the network fastai's `vision_learner` builds
(resnet18 from scratch, 10 classes), PyTorch's Adam, random 3x28x28 batches already in memory (so no
PNG decoding), forward + backward + optimiser step. The batch sizes take turns, round after round, so a
slow spell of the machine slows each alike; each reports its median step.

    .venv/bin/python experiments/batch_size_speed.py
    .venv/bin/python experiments/batch_size_speed.py --sizes 64 128 256 512 --rounds 5 --steps 10

About a minute on a 2-core CPU. Prints, per batch size, the median time of a step, the time per image, and
what an epoch of 50,000 images would cost at that rate (training only: no data loading, no validation).
"""

from __future__ import annotations

import argparse
import statistics
import time

EPOCH_IMAGES = 50_000  # notebook 06's ten-digit training set


def step_seconds(model, opt, bs: int, steps: int) -> list[float]:
    """`steps` timed training steps of batch `bs`, after one untimed warm-up step."""
    import torch
    import torch.nn.functional as F
    x, y = torch.randn(bs, 3, 28, 28), torch.randint(0, 10, (bs,))
    times = []
    for i in range(steps + 1):
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if i > 0:
            times.append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> dict[int, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256], help="batch sizes to compare")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of turns (each size once per round)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per size per round")
    args = parser.parse_args(argv)
    if min(args.sizes) < 1 or args.rounds < 1 or args.steps < 1:
        parser.error("--sizes, --rounds and --steps must all be 1 or more")

    import torch
    from fastai.vision.all import create_vision_model, resnet18
    torch.manual_seed(0)
    model = create_vision_model(resnet18, 10, pretrained=False).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times: dict[int, list[float]] = {bs: [] for bs in args.sizes}
    for r in range(args.rounds):
        order = args.sizes[r % len(args.sizes):] + args.sizes[:r % len(args.sizes)]   # who goes first rotates
        for bs in order:
            times[bs] += step_seconds(model, opt, bs, args.steps)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; median of {args.rounds * args.steps} steps each")
    per_image = {}
    for bs in args.sizes:
        step = statistics.median(times[bs])
        per_image[bs] = step / bs
        print(f"batch {bs:4}: {1000 * step:6.0f} ms a step, {1e3 * per_image[bs]:.2f} ms an image, "
              f"an epoch of {EPOCH_IMAGES:,} images {per_image[bs] * EPOCH_IMAGES:5.0f} s "
              f"({per_image[bs] / per_image[args.sizes[0]]:.2f} of batch {args.sizes[0]}'s)")
    return per_image


if __name__ == "__main__":
    main()
