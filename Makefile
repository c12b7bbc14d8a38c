# Quick start:  make translate   (sample articles in data/raw -> data/out)
#               make test
# Batch:        make batch IN=dir OUT=dir [ARGS="--model-dir DIR --beam 1"]   (make -j2 works)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIPELINE := $(BIN)/pipeline
STAMP  := $(VENV)/.installed
IN     ?= data/raw
OUT    ?= data/out
ARGS   ?=

# Names make cannot express as targets (spaces, colons, #, %, $) are left to batch's final pass.
SRCS := $(shell find '$(IN)' -maxdepth 1 -type f -name '*.txt' ! -name '* *' ! -name '*:*' \
          ! -name '*\#*' ! -name '*%*' ! -name '*$$*' 2>/dev/null | LC_ALL=C sort)
OUTS := $(patsubst $(IN)/%.txt,$(OUT)/%.jsonl,$(SRCS))

.PHONY: install translate batch demo test lock fetch verify clean

# torch first, pinned, and the CPU build: PyPI's torch wheel for Linux pulls gigabytes of CUDA
# packages. PyTorch's CPU wheel index is used when it answers within a few seconds; otherwise
# pip's own configuration decides (where pip is set up with a local CPU build, as on the build
# machine, that is enough). `make install TORCH_INDEX=` skips the index.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# Exit status 0 when the URL answers within 8 s, name lookup included (urlopen's timeout does
# not cover DNS, hence the thread).
PROBE := import sys, threading, urllib.request; ok = []; \
  t = threading.Thread(target=lambda: ok.append(urllib.request.urlopen(sys.argv[1], timeout=5)), \
  daemon=True); t.start(); t.join(8); sys.exit(0 if ok else 1)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@if [ -n "$(TORCH_INDEX)" ] && $(BIN)/python -c '$(PROBE)' '$(TORCH_INDEX)/torch/' 2>/dev/null; then \
	  echo "torch==2.13.0, CPU build, from $(TORCH_INDEX)"; \
	  $(BIN)/python -m pip install --quiet torch==2.13.0 --index-url '$(TORCH_INDEX)'; \
	else \
	  echo "note: $(TORCH_INDEX) did not answer; torch==2.13.0 from pip's configured indexes"; \
	  $(BIN)/python -m pip install --quiet torch==2.13.0; \
	fi
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

# Pins the model on first use and fetches it (needs the hub), then translates incrementally.
# Without the hub: `make demo`, a local model, or a copy of the repository (said below).
translate: | $(STAMP)
	@$(PIPELINE) models lock --if-unpinned && $(PIPELINE) models fetch || { \
	  echo "make translate: no verified copy of the pinned model here, and the hub did not" \
	       "provide one (see above). Three ways on:"; \
	  echo "  make demo"; \
	  echo "      the whole pipeline on a tiny random model (its English is NOT a translation)"; \
	  echo "  make batch ARGS=\"--model-dir DIR\""; \
	  echo "      translate with a MarianMT directory you have (written by save_pretrained)"; \
	  echo "  $(PIPELINE) models fetch --from-dir DIR"; \
	  echo "      a copy of the model repository brought in by other means, checked against" \
	       "models.lock and installed in the Hugging Face cache"; \
	  exit 2; } >&2
	$(MAKE) batch IN=data/raw OUT=data/out

batch: $(OUTS) | $(STAMP)
	$(PIPELINE) translate "$(IN)" -o "$(OUT)" --quiet $(ARGS)

$(OUT)/%.jsonl: $(IN)/%.txt models.lock | $(STAMP)
	$(PIPELINE) translate "$<" -o "$(OUT)" --quiet $(ARGS)

demo: | $(STAMP)
	$(PIPELINE) demo -i data/raw -o data/demo

test: | $(STAMP)
	$(BIN)/python -m pytest -q

lock: | $(STAMP)
	$(PIPELINE) models lock

fetch: | $(STAMP)
	$(PIPELINE) models fetch

verify: | $(STAMP)
	$(PIPELINE) verify $(wildcard $(OUT)/*.jsonl)

clean:
	rm -rf data/out data/demo .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
