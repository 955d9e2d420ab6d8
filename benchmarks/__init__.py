"""skdigits benchmarks, one module per question; see README.md."""
