"""Prediction with NumPy alone: what a fitted model's answer is made of.

Nothing here imports TensorFlow, Keras or scikit-learn. :mod:`.numbers`
reads a number (several digits in one picture) with a model that reads one
digit.
"""
