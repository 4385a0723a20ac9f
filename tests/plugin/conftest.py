"""The plugin's own tests drive a tiny team project with pytest's ``pytester``."""

pytest_plugins = ["pytester"]
