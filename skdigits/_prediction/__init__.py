"""The prediction layer: from a picture or a saved model to answers, NumPy only.

Reading and preparing pictures (``reading``, ``preparation``), the model
file (``model_file``) and the NumPy forward pass (``forward``, ``model``),
the shipped model (``pretrained``), the answer format and the "not sure"
rule (``answer``, ``unsure``), and the functions every door calls
(``predict``). Shared text and number formatting (``formatting``) lives
here too, at the bottom of the package.

It imports neither TensorFlow nor scikit-learn, nor any other layer of
skdigits (``tests/test_architecture.py`` holds it to that), so that
``skdigits predict``, the server and ``load_inference_model`` start fast.
"""
