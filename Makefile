# Thin wrapper over CMake. `make` builds build/imz; `make demo` and `make test` first install any
# missing Debian packages through scripts/deps.sh.
BUILD ?= build
# One BLAS thread: the pca encoder's decompositions are small, and spinning BLAS workers only
# slow the other jobs of a parallel test run.
export OPENBLAS_NUM_THREADS ?= 1
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps demo test clean asan bench

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

deps:
	scripts/deps.sh

demo: deps
	$(MAKE) build
	scripts/demo.sh $(BUILD)/imz

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DIMZ_SANITIZE="address;undefined"
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) build-asan

# The Kodak benchmark against the standard codecs (tens of minutes): BENCHMARKS.md, bench/results.
bench: deps
	bench/deps.sh $(BUILD)
	$(MAKE) build
	bench/kodak.sh $(BUILD)
