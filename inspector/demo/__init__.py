"""The built-in demo series and the small-model toolkit it (and the tests) use."""
