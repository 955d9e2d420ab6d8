"""The commands layer: what a person runs.

``cli`` (the ``skdigits`` command line), ``training`` (the training job that
``skdigits train`` runs), ``report`` (its report folder, with ``templates/``)
and ``serve`` (the web server). Nothing in skdigits imports this layer; it
may import every other one.
"""
