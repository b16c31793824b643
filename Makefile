# Entry points for a fresh Debian 12 machine. `make demo` runs the main job, `make test` the test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
# Ninja when installed, chosen when the build directory is first configured (a later run keeps it).
GEN = $$([ -f $(BUILD)/CMakeCache.txt ] || { command -v ninja >/dev/null 2>&1 && echo "-G Ninja"; })

.PHONY: deps-demo deps-test configure-demo configure build demo pipeline test kill-check bench bench-micro golden install clean

deps-demo:
	bash scripts/install-deps.sh demo

deps-test:
	bash scripts/install-deps.sh test

# Configuring again is quick, and picks up test libraries installed since the last time.
configure-demo: deps-demo
	cmake -S . -B $(BUILD) $(GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null

configure: deps-test
	cmake -S . -B $(BUILD) $(GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The main job needs only the r1 binary, not the tests and benchmarks.
demo: configure-demo
	cmake --build $(BUILD) -j $(JOBS) --target r1
	$(BUILD)/r1 demo $(ARGS)

# The whole R1 pipeline and distillation (about 20 minutes on 2 cores).
pipeline: configure-demo
	cmake --build $(BUILD) -j $(JOBS) --target r1
	$(BUILD)/r1 pipeline $(ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Kill-safety of the standalone trainers: r1 pretrain and r1 grpo SIGKILLed 10 times each at random
# moments, every latest checkpoint loaded, the resumed run equal to an uninterrupted one (~3 min).
kill-check: configure-demo
	cmake --build $(BUILD) -j $(JOBS) --target r1
	bash scripts/kill_resume.sh --build $(BUILD) $(ARGS)

# r1cpp against PyTorch eager and llama.cpp, every ratio of issue 10 in one table (~13 minutes on
# 2 cores; ARGS=--skip_demo leaves out the demo's wall time): runs/bench/results.json.
bench: configure
	BUILD=$(BUILD) JOBS=$(JOBS) bash scripts/bench.sh $(ARGS)

# The Google Benchmark suite (tokenizer, verifier, checkpoint, model and engine micro-benchmarks).
bench-micro: configure
	cmake --build $(BUILD) -j $(JOBS) --target r1_bench
	$(BUILD)/bench/r1_bench

# Regenerates the committed golden model fixtures (tests/io/golden) from their independent Python
# reference; needs Debian's python3-torch (`apt-get install python3-torch`), never run by the tests.
golden:
	/usr/bin/python3 tests/io/golden/make_golden.py tests/io/golden

# r1 on $(PREFIX)/bin with its data in $(PREFIX)/share/r1cpp/data (found there without configuration).
PREFIX ?= /usr/local
install: configure-demo
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target r1
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD)
