# Quick start:  make translate   (sample articles in data/raw -> data/out)
#               make test   (make test-fast: all but the tests marked slow or ray)
# Batch:        make batch IN=dir OUT=dir [ARGS="--model-dir DIR --beam 1"]   (make -j2 works)
# Align:        make align IN=dir [OUT=dir] [ARGS="--no-mt"]   (NAME.de.txt + NAME.en.txt pairs)
# Evaluate:     make eval   (newstest2019 de-en through sacrebleu's test-set download; needs network)
#               make eval SRC=../shared/eval/mt/newstest2019.de-en.de REF=../shared/eval/mt/newstest2019.de-en.en
#               [ARGS="--model-dir DIR"] [TESTSET=newstest2019] [EVAL_ARGS="--bootstrap 1000 --per-doc"]

PYTHON ?= python3
VENV   := .venv
IN     ?= data/raw
OUT    ?= data/out
ARGS   ?=

# No value given to make reaches a shell as code. A value from the command line or the
# environment is taken literally (make does not expand a `$(...)` in it), recipes read every
# value from the environment, double-quoted ("$$IN"), and nothing runs while the Makefile is
# read. ARGS and EVAL_ARGS are split into words at whitespace and nothing else: no quoting,
# globbing, `;`, `$(...)` or backticks take effect in them (a value with spaces cannot be one
# argument there; call pipeline itself for that).
USER_VARS := PYTHON VENV IN OUT ARGS ALIGNED TORCH_INDEX SRC REF TESTSET EVAL_DIR EVAL_ARGS \
  HOST PORT SERVE_ARGS
$(foreach v,$(USER_VARS),$(if $(filter command environment%,$(origin $v)),\
  $(eval override $v := $$(value $v))))
BIN    := $(VENV)/bin
PIPELINE := $(BIN)/pipeline
STAMP  := $(VENV)/.installed

# Only names made of these characters become make targets (each rule's file name is then
# single-quoted, which they cannot break); every other input (spaces, quotes, $, `, ;,
# newlines, non-ASCII) is left to the final pass, which gets it from pipeline itself. The
# test uses make's own functions: nothing is given to a shell.
SAFE_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M \
  N O P Q R S T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 . _ + , = @ - /
# $(call without,TEXT,CHARS): TEXT with every character of the list CHARS removed
without = $(if $2,$(call without,$(subst $(firstword $2),,$1),$(wordlist 2,$(words $2),$2)),$1)
# $(call safe,TEXT): "yes" when TEXT is not empty and made of SAFE_CHARS only
safe = $(if $1,$(if $(subst <>,,$(call without,<$1>,$(SAFE_CHARS))),,yes))
# The *.txt files directly in IN with safe names (a name with a space is two words in
# $(wildcard); each candidate must exist as such).
SRCS := $(if $(call safe,$(IN)),$(sort $(foreach f,$(filter $(IN)/%.txt,$(wildcard $(IN)/*.txt)),\
          $(if $(call safe,$f),$(wildcard $f)))))
OUTS := $(if $(call safe,$(OUT)),$(patsubst $(IN)/%.txt,$(OUT)/%.jsonl,$(SRCS)))
# make align: NAME.de.txt / NAME.en.txt pairs in IN (safe names, both present) -> ALIGNED
ALIGNED ?= $(if $(filter file,$(origin OUT)),data/aligned,$(OUT))
PAIRS := $(foreach f,$(filter %.de.txt,$(SRCS)),$(if $(filter $(f:.de.txt=.en.txt),$(SRCS)),$(f)))
ALIGN_OUTS := $(if $(call safe,$(ALIGNED)),$(patsubst $(IN)/%.de.txt,$(ALIGNED)/%.jsonl,$(PAIRS)))

.PHONY: install translate batch align demo test test-fast lock fetch verify eval clean serve

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
CLUSTER_STAMP := $(VENV)/.installed-cluster
SERVE_STAMP := $(VENV)/.installed-serve
# make serve [HOST=127.0.0.1] [PORT=5000] [SERVE_ARGS="--model-dir DIR"] (SERVE_ARGS: split as ARGS)
HOST ?= 127.0.0.1
PORT ?= 5000
SERVE_ARGS ?=
EVAL_DIR  ?= data/out/eval
EVAL_ARGS ?=
# What the recipes read, as "$$NAME" (values literal, see above).
export PYTHON VENV BIN PIPELINE STAMP CLUSTER_STAMP IN OUT ARGS ALIGNED TORCH_INDEX PROBE \
  SRC REF TESTSET EVAL_DIR EVAL_ARGS SERVE_STAMP HOST PORT SERVE_ARGS

$(STAMP): pyproject.toml
	test -x "$$BIN/python" || "$$PYTHON" -m venv -- "$$VENV"
	"$$BIN/python" -m pip install --quiet --upgrade pip
	@if [ -n "$$TORCH_INDEX" ] && "$$BIN/python" -c "$$PROBE" "$$TORCH_INDEX/torch/" 2>/dev/null; then \
	  printf '%s\n' "torch==2.13.0, CPU build, from $$TORCH_INDEX"; \
	  "$$BIN/python" -m pip install --quiet torch==2.13.0 --index-url "$$TORCH_INDEX"; \
	else \
	  printf '%s\n' "note: $$TORCH_INDEX did not answer; torch==2.13.0 from pip's configured indexes"; \
	  "$$BIN/python" -m pip install --quiet torch==2.13.0; \
	fi
	"$$BIN/python" -m pip install --quiet -e '.[test]'
	touch -- "$$STAMP"

install: $(STAMP)

# Pins the model on first use and fetches it (needs the hub), then translates incrementally.
# Without the hub: `make demo`, a local model, or a copy of the repository (said below).
translate: | $(STAMP)
	@"$$PIPELINE" models lock --if-unpinned && "$$PIPELINE" models fetch || { \
	  echo "make translate: no verified copy of the pinned model here, and the hub did not" \
	       "provide one (see above). Three ways on:"; \
	  echo "  make demo"; \
	  echo "      the whole pipeline on a tiny random model (its English is NOT a translation)"; \
	  echo "  make batch ARGS=\"--model-dir DIR\""; \
	  echo "      translate with a MarianMT directory you have (written by save_pretrained)"; \
	  printf '%s\n' "  $$PIPELINE models fetch --from-dir DIR"; \
	  echo "      a copy of the model repository brought in by other means, checked against" \
	       "models.lock and installed in the Hugging Face cache"; \
	  exit 2; } >&2
	$(MAKE) batch IN=data/raw OUT=data/out

# One pattern rule per article (make -j2 runs two at once; a new pin in models.lock
# re-translates everything). A rule never stops the batch: the final pass goes over the whole
# directory, skips by content whatever is done, translates what the rules could not (other
# names, a failed rule), reports each bad input in one line and sets the exit code.
# `set -f`: ARGS is split into words, never globbed.
batch: $(OUTS) | $(STAMP)
	set -f; "$$PIPELINE" translate -o "$$OUT" --quiet $$ARGS -- "$$IN"

$(OUTS): $(OUT)/%.jsonl: $(IN)/%.txt models.lock | $(STAMP)
	@set -f; "$$PIPELINE" translate -o "$$OUT" --quiet $$ARGS -- '$<' 2>/dev/null || true

# The same for alignment (make align IN=dir [OUT=dir] [ARGS="--no-mt"]): one rule per pair,
# then a final pass that aligns what the rules could not and reports each bad pair once.
align: $(ALIGN_OUTS) | $(STAMP)
	set -f; "$$PIPELINE" align -o "$$ALIGNED" --quiet $$ARGS -- "$$IN"

$(ALIGN_OUTS): $(ALIGNED)/%.jsonl: $(IN)/%.de.txt $(IN)/%.en.txt models.lock | $(STAMP)
	@set -f; "$$PIPELINE" align -o "$$ALIGNED" --quiet $$ARGS -- '$(word 1,$^)' '$(word 2,$^)' 2>/dev/null || true

demo: | $(STAMP)
	"$$PIPELINE" demo -i data/raw -o data/demo

# The tests run the Ray path and the server too: the cluster and serve extras are installed.
$(CLUSTER_STAMP): pyproject.toml | $(STAMP)
	"$$BIN/python" -m pip install --quiet -e '.[test,cluster,serve]'
	touch -- "$$CLUSTER_STAMP"

# The translation server (the serve extra).
$(SERVE_STAMP): pyproject.toml | $(STAMP)
	"$$BIN/python" -m pip install --quiet -e '.[serve]'
	touch -- "$$SERVE_STAMP"

serve: $(SERVE_STAMP)
	set -f; exec "$$PIPELINE" serve --host "$$HOST" --port "$$PORT" $$SERVE_ARGS

# The values exported for the recipes are not the tests' to inherit: a test that runs make
# must see the Makefile's own defaults, not this make's (say ALIGNED), as if given by the user.
PYTEST := env $(foreach v,$(USER_VARS) BIN PIPELINE STAMP CLUSTER_STAMP SERVE_STAMP PROBE,-u $v) \
  "$$BIN/python" -m pytest -q
# On every core (pytest-xdist), a module's tests on one worker (tests/conftest.py).
test: $(CLUSTER_STAMP)
	$(PYTEST) -n auto --dist loadgroup --no-loadscope-reorder

# While developing: every test but those marked slow or ray (make test and CI run them all).
test-fast: $(CLUSTER_STAMP)
	$(PYTEST) -m "not slow and not ray"

# Translate a test set (one segment per line) and score it; `pipeline eval` prints the
# published figure next to ours when it knows the test set, and says when a score means nothing.
# Without SRC, sacrebleu fetches newstest2019 de-en into $(EVAL_DIR) (written, then renamed).
eval: | $(STAMP)
	@set -ef; src=$$SRC; ref=$$REF; testset=$$TESTSET; \
	if [ -z "$$src" ]; then \
	  [ -z "$$ref" ] || { echo "make eval: REF given without SRC" >&2; exit 2; }; \
	  mkdir -p -- "$$EVAL_DIR"; src=$$EVAL_DIR/newstest2019.de-en.de; ref=$$EVAL_DIR/newstest2019.de-en.en; \
	  testset=$${testset:-newstest2019}; \
	  for side in src ref; do f=$$src; [ $$side = src ] || f=$$ref; [ ! -s "$$f" ] || continue; \
	    if "$$BIN/sacrebleu" -t wmt19 -l de-en --echo $$side > "$$f.part"; then mv -- "$$f.part" "$$f"; \
	    else rm -f -- "$$f.part"; echo "make eval: sacrebleu could not fetch newstest2019 (no network?);" \
	      "offline, give the files: make eval SRC=../shared/eval/mt/newstest2019.de-en.de" \
	      "REF=../shared/eval/mt/newstest2019.de-en.en" >&2; exit 1; fi; \
	  done; \
	elif [ -z "$$ref" ]; then echo "make eval: SRC needs REF (its reference translation)" >&2; exit 2; fi; \
	stem=$$(basename -- "$$src"); stem=$${stem%.*}; \
	"$$PIPELINE" translate -o "$$EVAL_DIR/out" --quiet --format jsonl $$ARGS -- "$$src"; \
	"$$PIPELINE" eval --ref "$$ref" $${testset:+--test-set "$$testset"} $$EVAL_ARGS -- "$$EVAL_DIR/out/$$stem.jsonl"

lock: | $(STAMP)
	"$$PIPELINE" models lock

fetch: | $(STAMP)
	"$$PIPELINE" models fetch

# Every record file in OUT (the shell's glob: names are never evaluated).
verify: | $(STAMP)
	@set -- "$$OUT"/*.jsonl; [ -e "$$1" ] || { printf '%s\n' "make verify: no record files (*.jsonl) in $$OUT" >&2; exit 2; }; \
	"$$PIPELINE" verify -- "$$@"

clean:
	rm -rf data/out data/demo data/aligned .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf -- "$$VENV"
