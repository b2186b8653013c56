"""The application: the ``minigrad`` command, its demos and data sets."""
