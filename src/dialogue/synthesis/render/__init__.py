"""The report in each format: one module per format, and the registry that names them."""
