# qrc — one Makefile for the compiler, the runtime, the tests and the benchmarks.
#
#   make            build ./build/qrc
#   make deps       install the Debian and npm packages the build and tests need
#   make test       run every test; ends with "N passed, N failed"
#   make asan       the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo       run the demo recipe end to end
#   make bench      benchmarks, written to BENCHMARKS.md
#   make fuzz       libFuzzer targets (clang), each run FUZZ_TIME seconds

BUILD   ?= build
CC      ?= cc
OPT     ?= -O2
SAN     ?=
GEN     := $(BUILD)/gen

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
CFLAGS  := -std=c11 $(OPT) -g $(WARN) -D_GNU_SOURCE -pthread -MMD -MP $(SAN) \
           -Icompiler -Iruntime -I$(GEN)
GENFLAGS:= -std=c11 $(OPT) -g -D_GNU_SOURCE -pthread $(SAN) -Icompiler -Iruntime -I$(GEN)
LDLIBS  := -lprotobuf-c -ljansson -lpng -ljpeg -ldnnl -lopenblas -lgomp -lm -lpthread

APT_PKGS := flex bison protobuf-c-compiler libprotobuf-c-dev libjansson-dev libcmocka-dev \
            libopenblas-dev libonnx-dev libonnx-testdata libdnnl-dev libpng-dev libjpeg62-turbo-dev \
            python3-pil python3-numpy fonts-dejavu-core neovim chromium
ONNX_PROTO := /usr/include/onnx/onnx.proto

# Sources are found by wildcard: a new file in compiler/ or runtime/ needs no Makefile edit.
COMPILER_SRC := $(filter-out compiler/driver/main.c,$(wildcard compiler/*.c compiler/*/*.c))
RUNTIME_SRC  := $(wildcard runtime/*.c runtime/*/*.c)
GEN_SRC      := $(GEN)/lexer.c $(GEN)/parser.c $(GEN)/onnx.pb-c.c $(GEN)/plan.pb-c.c $(GEN)/lsp_reference.c
GEN_HDR      := $(GEN)/lexer.h $(GEN)/parser.h $(GEN)/onnx.pb-c.h $(GEN)/plan.pb-c.h
OBJ          := $(COMPILER_SRC:%.c=$(BUILD)/%.o) $(RUNTIME_SRC:%.c=$(BUILD)/%.o) \
                $(GEN_SRC:%.c=%.o)
LIB          := $(BUILD)/libqrc.a
QRC          := $(BUILD)/qrc
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC     := $(wildcard tests/tools/*.c)
TOOL_BIN     := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

# Objects remember the flags they were built with: a change of OPT or SAN (or of the flags here) rebuilds
# them. A missing stamp is dated 1970 so a first run does not rebuild a tree built before the stamp existed.
FLAGS_STAMP := $(BUILD)/flags
FLAGS_NOW   := $(CC) $(CFLAGS) $(GENFLAGS) $(LDLIBS)
$(shell mkdir -p $(BUILD); if [ ! -f $(FLAGS_STAMP) ]; then echo '$(FLAGS_NOW)' >$(FLAGS_STAMP); \
  touch -d @0 $(FLAGS_STAMP); elif [ "$$(cat $(FLAGS_STAMP))" != '$(FLAGS_NOW)' ]; then echo '$(FLAGS_NOW)' >$(FLAGS_STAMP); fi)

.PHONY: all deps test test-run asan demo bench fuzz clean
all: $(QRC)

$(QRC): $(BUILD)/compiler/driver/main.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(OBJ)
	@rm -f $@
	ar rcs $@ $^

# Kernels parallelise their loops with OpenMP (oneDNN already runs on libgomp) and let the
# vectoriser work on loops whose trip count is not a multiple of the vector width.
VECT    ?= -fvect-cost-model=dynamic
$(BUILD)/runtime/ops/%.o: CFLAGS += -fopenmp $(VECT)
# Observers scan large activations on several threads.
$(BUILD)/runtime/quant/histogram.o: CFLAGS += -fopenmp

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Generated code: bison, flex and protoc-c output lives under build/, never in git.
$(GEN)/parser.c $(GEN)/parser.h: grammar/parser.y
	@mkdir -p $(GEN)
	bison -Wall -Werror --defines=$(GEN)/parser.h -o $(GEN)/parser.c $<
$(GEN)/lexer.c $(GEN)/lexer.h: grammar/lexer.l $(GEN)/parser.h
	@mkdir -p $(GEN)
	flex --header-file=$(GEN)/lexer.h -o $(GEN)/lexer.c $<
$(GEN)/onnx.pb-c.c $(GEN)/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(GEN)
	cp $< $(GEN)/onnx.proto
	cd $(GEN) && protoc-c --c_out=. onnx.proto
$(GEN)/plan.pb-c.c $(GEN)/plan.pb-c.h: compiler/plan/plan.proto
	@mkdir -p $(GEN)
	cp $< $(GEN)/plan.proto
	cd $(GEN) && protoc-c --c_out=. plan.proto
# The language server's reference text is the README's "Reference" section, one source for both.
$(GEN)/lsp_reference.c: README.md compiler/lsp/reference.awk
	@mkdir -p $(GEN)
	awk -f compiler/lsp/reference.awk README.md >$@
$(GEN)/%.o: $(GEN)/%.c $(FLAGS_STAMP) | $(GEN_HDR)
	$(CC) $(GENFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(FLAGS_STAMP) | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) -lcmocka $(LDLIBS)

# Test-only programs (conformance runners, fixture makers): tests/tools/x.c -> build/tools/x.
$(BUILD)/tools/%: tests/tools/%.c $(LIB) $(FLAGS_STAMP) | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@cd tests/ort && [ -d node_modules/onnxruntime-node ] || npm ci --ignore-scripts --no-audit --no-fund --silent

# `make test` works on a fresh clone: it installs what is missing first.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory test-run
test-run: $(QRC) $(UNIT_BIN) $(TOOL_BIN)
	@BUILD=$(BUILD) tests/run.sh

# Sanitizer reports go to files, not stderr, so that a report from a process whose failure a test expects
# (bad input exits non-zero) still fails the run: any report left after the tests is an error.
SAN_LOG := $(abspath build/asan/sanitizer)
asan:
	@rm -rf $(SAN_LOG) && mkdir -p $(SAN_LOG)
	@ASAN_OPTIONS=log_path=$(SAN_LOG)/asan:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1 \
	 UBSAN_OPTIONS=log_path=$(SAN_LOG)/ubsan:print_stacktrace=1 \
	 $(MAKE) BUILD=build/asan OPT=-O1 \
	   SAN="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all" test; rc=$$?; \
	 if [ -n "$$(ls -A $(SAN_LOG))" ]; then \
	   for f in $(SAN_LOG)/*; do echo "== $$f"; head -60 "$$f"; done; \
	   echo "sanitizer reports: $$(ls $(SAN_LOG) | wc -l) (in $(SAN_LOG))"; exit 1; \
	 fi; exit $$rc

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(QRC)
	$(QRC) build recipes/demo.q

bench: $(QRC) $(TOOL_BIN)
	BUILD=$(BUILD) bench/run.sh

# libFuzzer targets: the library rebuilt by clang with coverage and ASan+UBSan (its own warning set: the
# -Werror build stays gcc's), one binary per tests/fuzz/fuzz_<name>.c, each run FUZZ_TIME seconds from its
# seed corpus tests/fuzz/corpus/<name>/ plus what earlier runs found (build/fuzz/corpus/). Not part of test.
# FUZZ_TARGETS picks some (`make fuzz FUZZ_TARGETS="npy config" FUZZ_TIME=600`); all by default.
FUZZ_BUILD := build/fuzz
FUZZ_TIME  ?= 60
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 VECT= WARN="-Wall -Wno-unused-parameter" \
	   SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_BUILD)/libqrc.a
	@for n in $(FUZZ_TARGETS); do t=fuzz_$$n; s=tests/fuzz/$$t.c; \
	   clang -std=c11 -O1 -g -D_GNU_SOURCE -Icompiler -Iruntime -I$(FUZZ_BUILD)/gen -fopenmp -fsanitize=fuzzer $(FUZZ_SAN) \
	     -o $(FUZZ_BUILD)/$$t $$s $(FUZZ_BUILD)/libqrc.a $(LDLIBS) || exit 1; \
	   mkdir -p $(FUZZ_BUILD)/corpus/$$n $(FUZZ_BUILD)/crashes; echo "== $$t"; \
	   $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_TIME) -max_len=65536 -rss_limit_mb=4096 -timeout=10 \
	     -artifact_prefix=$(FUZZ_BUILD)/crashes/$$n- $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n \
	     >$(FUZZ_BUILD)/$$t.log 2>&1; rc=$$?; \
	   grep -E '^(#[0-9]+.*DONE|Done|==[0-9]+==ERROR|SUMMARY)' $(FUZZ_BUILD)/$$t.log; \
	   [ $$rc -eq 0 ] || { echo "$$t failed: input in $(FUZZ_BUILD)/crashes/"; exit 1; }; \
	 done

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(BUILD)/compiler/main.d
