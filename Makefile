# Every target installs what it needs into .venv first, so a fresh clone
# with only python3 and make can run them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OPENBLAS_NUM_THREADS ?= 1
export MPLBACKEND ?= Agg

.PHONY: install demo lab student-lab screenshots test bench clean

$(STAMP): pyproject.toml jupyter-config/jupyter_server_config.d/rn_ch06_formgrader.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	# The course's formgrader pages (escaped, a CSP that runs no student script) for
	# every JupyterLab of this venv, as a package enables its server extension.
	install -D -m 644 jupyter-config/jupyter_server_config.d/rn_ch06_formgrader.json \
		$(VENV)/etc/jupyter/jupyter_server_config.d/rn_ch06_formgrader.json
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m grading_tests.course demo

# JupyterLab for the instructor (formgrader, Create Assignment), from the course
# root where nbgrader_config.py sits. nbgrader runs `alembic` from PATH, so the
# venv's bin goes first: no activation needed. Extra options: LAB_ARGS="--port=9999".
LAB_ARGS ?=
lab: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/jupyter lab $(LAB_ARGS)

# JupyterLab as a student gets it: a fresh copy of the release, started with
# the command of its LISEZMOI.md (no formgrader, no Create Assignment, no
# assignment list).
student-lab: $(STAMP)
	folder="$$(mktemp -d)" && cp -r release/06_reseaux_de_neurones "$$folder" && \
	cd "$$folder/06_reseaux_de_neurones" && echo "Student copy: $$PWD" && \
	JUPYTER_CONFIG_PATH="$$PWD/jupyter_eleve" PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/jupyter lab $(LAB_ARGS)

# The PNGs of docs/screenshots/, taken in headless Chromium by the browser tests' helpers.
screenshots: $(STAMP)
	$(BIN)/python tests/browser/screenshots.py

# --dist loadscope runs each test module on one worker: its module-scoped set-up
# (an nbgrader run of a class, a JupyterLab for a browser role, a PostgreSQL
# server) is made once, not once per worker. The modules go out in the order
# tests/conftest.py gives them (the longest first), not reordered by xdist.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadscope --no-loadscope-reorder

bench: $(STAMP)
	$(BIN)/python bench/bench_mlp.py

clean:
	rm -rf $(VENV)
