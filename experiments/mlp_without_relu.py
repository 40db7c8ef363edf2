"""Notebook 05's MLP with its two ReLUs taken out, trained as notebook 05 trains the MLP (the same 50,000
training images, Adam with one-cycle, 10 epochs at 3e-3, batches of 256), next to one linear layer trained the
same way; both scored on the 10,000 validation images. One seed (42, as the notebook), one run each: it backs
the answer to 05's first question (without a non-linearity, three layers do what one does).

    .venv/bin/python experiments/mlp_without_relu.py
"""

import helpers

device = helpers.setup(seed=42)
from fastai.vision.all import CrossEntropyLossFlat, DataLoader, DataLoaders, Learner, accuracy, nn  # noqa: E402

x_all, y_all = helpers.load_mnist("full", "train")


def as_rows(x):
    return x.view(-1, 28 * 28).float() / 255


train_ds = list(zip(as_rows(x_all[:50_000]), y_all[:50_000]))
valid_ds = list(zip(as_rows(x_all[50_000:]), y_all[50_000:]))
dls = DataLoaders(DataLoader(train_ds, batch_size=256, shuffle=True), DataLoader(valid_ds, batch_size=1024))

for name, model in [("784-250-50-10 without ReLUs", nn.Sequential(nn.Linear(784, 250), nn.Linear(250, 50), nn.Linear(50, 10))),
                    ("one linear layer, 784-10", nn.Linear(784, 10))]:
    learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(10, 3e-3)
        valid_acc = learn.validate()[1]
    print(f"{name:30} validation accuracy {valid_acc:.4f}")
