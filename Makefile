# Entry points for a fresh Debian 12 machine. `make demo` runs the main job, `make test` the test suite.
BUILD ?= build
JOBS ?= $(shell nproc)
GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: deps configure build demo test bench clean

deps:
	bash scripts/install-deps.sh

configure: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) $(GEN) -DCMAKE_BUILD_TYPE=Release

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The main job needs only the r1 binary, not the tests and benchmarks.
demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target r1
	$(BUILD)/r1 demo $(ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: configure
	cmake --build $(BUILD) -j $(JOBS) --target r1_bench
	$(BUILD)/bench/r1_bench

clean:
	rm -rf $(BUILD)
