"""The course's MNIST DNN (Linear, BatchNorm1d, ReLU, Dropout; Adam; cross-entropy), trained on
real handwritten digits that need no network: scikit-learn's bundled 8x8 digits (1,797 images).

Written as a PyTorch user writes it (`import glasstorch as torch`). Shows a progress bar per
epoch, prints the test accuracy, saves a checkpoint in PyTorch's format and a PNG of the curves.
"""
import os
import time

import glasstorch as torch
import glasstorch.nn as nn
import glasstorch.nn.functional as F
from glasstorch.utils.data import DataLoader, TensorDataset


class DigitsDNN(nn.Module):
    def __init__(self, in_features=64, hidden=256, classes=10, drop_prob=0.2):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(in_features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Dropout(p=drop_prob),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Dropout(p=drop_prob),
            nn.Linear(hidden, classes),
        )
        for module in self.layers:
            if isinstance(module, nn.Linear):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    def forward(self, x):
        return self.layers(x)


def load_digits_split(test_fraction=0.2, seed=0):
    """sklearn's digits as float32 tensors in [0, 1], split into train and test sets."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    X = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(X), generator=generator)
    n_test = int(len(X) * test_fraction)
    test_idx, train_idx = order[:n_test], order[n_test:]
    return TensorDataset(X[train_idx], y[train_idx]), TensorDataset(X[test_idx], y[test_idx])


def evaluate(model, loader):
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(dim=1) == y).sum().item()
            total += len(y)
    return loss_sum / total, correct / total


def plot_curves(history, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = range(1, len(history["train_loss"]) + 1)
    ax_loss.plot(epochs, history["train_loss"], label="train")
    ax_loss.plot(epochs, history["test_loss"], label="test")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.legend()
    ax_acc.plot(epochs, history["train_acc"], label="train")
    ax_acc.plot(epochs, history["test_acc"], label="test")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend()
    fig.suptitle("glasstorch: DNN on sklearn digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(epochs=15, batch_size=64, learning_rate=1e-3, out_dir="demo_out"):
    from tqdm import tqdm
    torch.manual_seed(0)
    train_set, test_set = load_digits_split()
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=512)
    model = DigitsDNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    print(model)
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start = time.time()
    for epoch in range(1, epochs + 1):
        model.train()
        seen, correct, loss_sum = 0, 0, 0.0
        bar = tqdm(train_loader, desc=f"epoch {epoch:2d}/{epochs}", unit="batch", leave=True,
                   ncols=90)
        for x, y in bar:
            logits = model(x)
            cost = F.cross_entropy(logits, y)
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            seen += len(y)
            loss_sum += cost.item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}",
                            refresh=False)
        scheduler.step()
        test_loss, test_acc = evaluate(model, test_loader)
        history["train_loss"].append(loss_sum / seen)
        history["train_acc"].append(correct / seen)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        bar.write(f"epoch {epoch:2d}: train loss {loss_sum / seen:.4f} acc {correct / seen:.3f}"
                  f" | test loss {test_loss:.4f} acc {test_acc:.3f}")
    elapsed = time.time() - start

    os.makedirs(out_dir, exist_ok=True)
    checkpoint = os.path.join(out_dir, "digits_dnn.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epochs}, checkpoint)
    restored = DigitsDNN()
    restored.load_state_dict(torch.load(checkpoint)["model"])
    _, restored_acc = evaluate(restored, test_loader)
    plot = os.path.join(out_dir, "digits_dnn_curves.png")
    plot_curves(history, plot)

    final_acc = history["test_acc"][-1]
    print(f"\ntest accuracy: {final_acc:.4f} ({len(test_set)} held-out digits), "
          f"trained in {elapsed:.1f} s")
    print(f"checkpoint: {checkpoint} (reloaded: test accuracy {restored_acc:.4f})")
    print(f"curves: {plot}")
    if final_acc < 0.95:
        raise SystemExit(f"test accuracy {final_acc:.4f} is below the 0.95 bar")
    return final_acc


if __name__ == "__main__":
    main()
