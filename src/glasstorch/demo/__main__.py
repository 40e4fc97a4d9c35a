"""`make demo`: the course's linear regression from scratch, then the MNIST-style DNN on real
handwritten digits (Linear, BatchNorm1d, ReLU, Dropout; Adam; cross-entropy), then the course's
CNN (Conv2d, BatchNorm2d, ReLU, MaxPool2d) on the same digits as 8x8 images."""
from . import digits_cnn, digits_dnn, linear_regression

print("== linear regression from scratch (d2l 3.4) ==")
linear_regression.main()
print("\n== DNN on handwritten digits ==")
digits_dnn.main()
print("\n== CNN on handwritten digits ==")
digits_cnn.main()
