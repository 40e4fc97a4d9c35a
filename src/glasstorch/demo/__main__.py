"""`make demo`: the course's linear regression from scratch, then the MNIST-style DNN on real
handwritten digits (Linear, BatchNorm1d, ReLU, Dropout; Adam; cross-entropy)."""
from . import digits_dnn, linear_regression

print("== linear regression from scratch (d2l 3.4) ==")
linear_regression.main()
print("\n== DNN on handwritten digits ==")
digits_dnn.main()
