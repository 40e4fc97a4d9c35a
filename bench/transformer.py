"""A small Transformer encoder language model, trained a few steps: Embedding(1000, 128) ->
nn.TransformerEncoder (d_model 128, 4 heads, feed-forward 512, 2 layers, dropout 0.1,
batch_first) -> Linear(128, 1000), cross-entropy over all 32 x 64 token positions, AdamW.

Both libraries start from the same weights (drawn once with NumPy). Dropout draws differ
between the libraries, so the losses they return agree only to about 1e-2."""
import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare

VOCAB, D_MODEL, HEADS, FF, LAYERS, BATCH, LENGTH = 1000, 128, 4, 512, 2, 32, 64


def _weights(torch):
    """A model of the workload's shape and its parameters as NumPy arrays (fixed seed)."""
    rng = np.random.default_rng(0)
    model = _model(torch)
    return [rng.uniform(-0.1, 0.1, tuple(p.shape)).astype(np.float32)
            for p in model.parameters()]


def _model(torch):
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.1, batch_first=True)

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, D_MODEL)
            self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.head = nn.Linear(D_MODEL, VOCAB)

        def forward(self, tokens):
            return self.head(self.encoder(self.embed(tokens)))
    return LanguageModel()


def transformer_steps(steps=3):
    """`steps` AdamW steps; returns the losses."""
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, VOCAB, (BATCH, LENGTH))
    targets = rng.integers(0, VOCAB, (BATCH, LENGTH))

    def make(torch):
        weights = None

        def run():
            nonlocal weights
            model = _model(torch)
            weights = weights or _weights(torch)
            with torch.no_grad():
                for p, w in zip(model.parameters(), weights):
                    p.copy_(torch.tensor(w))
            optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
            x, y = torch.tensor(tokens), torch.tensor(targets)
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
    compare("Transformer encoder LM, 32 x 64 tokens, AdamW, 3 steps", transformer_steps(),
            repeats=5, rtol=2e-2, atol=1e-2, target=1.3)


if __name__ == "__main__":
    main()
