# The README's two commands are `make demo` and `make test`; the rest are their parts.
.PHONY: install demo test lint docs fhir-server fhir-server-start fhir-server-stop cohort

install:
	@bash scripts/install.sh

demo: install
	@.venv/bin/prescreen demo

test: install fhir-server
	@.venv/bin/python -m pytest $(PYTEST_ARGS)

docs: install
	@.venv/bin/python tools/generate_docs.py

lint: install
	@.venv/bin/python -m ruff check .

fhir-server:
	@bash fhir_server/build.sh

fhir-server-start:
	@bash fhir_server/start.sh

fhir-server-stop:
	@bash fhir_server/stop.sh

cohort: install
	@.venv/bin/python tools/generate_cohort.py --check
