"""A char-RNN trained a few steps: one-hot characters (input 64) -> a 2-layer recurrent layer
(hidden 128, batch_first) -> Linear(128, 64), cross-entropy over all 32 x 50 positions, Adam.
One row each for nn.LSTM, nn.GRU and nn.RNN.

Both libraries start from the same weights (drawn once with NumPy), so the losses agree to
float32 rounding.

PyTorch runs nn.LSTM on the CPU through oneDNN's fused LSTM (its graph shows
MkldnnRnnLayerBackward0), nn.GRU and nn.RNN through ATen's per-step ops. glasstorch's layers
are NumPy + OpenBLAS: the per-step (32, 128) x (128, 512) GEMMs are about as fast as PyTorch's
generic ones and slower than oneDNN's, and the gate math is a dozen small NumPy calls per step
where oneDNN fuses it into the GEMM's epilogue, so the LSTM row is the hard one."""
import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare

VOCAB, HIDDEN, LAYERS, BATCH, LENGTH = 64, 128, 2, 32, 50


def _model(torch, kind):
    nn = torch.nn

    class CharModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(nn, kind)(VOCAB, HIDDEN, LAYERS, batch_first=True)
            self.head = nn.Linear(HIDDEN, VOCAB)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out)
    return CharModel()


def char_rnn_steps(kind, steps=3):
    """`steps` Adam steps of the char model with nn.<kind>; returns the losses."""
    rng = np.random.default_rng(1)
    chars = rng.integers(0, VOCAB, (BATCH, LENGTH + 1))
    one_hot = np.eye(VOCAB, dtype=np.float32)[chars[:, :-1]]
    targets = chars[:, 1:]

    def make(torch):
        weights = None

        def run():
            nonlocal weights
            model = _model(torch, kind)
            if weights is None:
                wrng = np.random.default_rng(0)
                weights = [wrng.uniform(-0.08, 0.08, tuple(p.shape)).astype(np.float32)
                           for p in model.parameters()]
            with torch.no_grad():
                for p, w in zip(model.parameters(), weights):
                    p.copy_(torch.tensor(w))
            optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
            x, y = torch.tensor(one_hot), torch.tensor(targets)
            losses = []
            for _ in range(steps):
                logits = model(x)
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB),
                                                         y.reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())
            return torch.stack(losses)
        return run
    return make


def main():
    for kind in ("LSTM", "GRU", "RNN"):
        compare(f"char-RNN 2-layer {kind} 64->128, 32 x 50, Adam, 3 steps",
                char_rnn_steps(kind), repeats=7, target=1.3)


if __name__ == "__main__":
    main()
