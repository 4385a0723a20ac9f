# The two entry points of the README. Both prepare the machine first (scripts/setup.sh).
VENV ?= .venv

.PHONY: setup demo test

setup:
	@bash scripts/setup.sh

demo: setup
	$(VENV)/bin/arena demo --out demo-out

test: setup
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider
