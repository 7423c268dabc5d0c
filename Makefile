# jim: the two commands of the README are `make run` and `make test`.
# Everything else here is a convenience for developers (see HACKING.md).

SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
PORT ?= 8888
DATA_DIR ?= ./data

.PHONY: all deps build run test unit integration fuzz bench format format-check clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@echo "binaries in build/bin/: $$(ls build/bin | tr '\n' ' ')"

run: build
	./build/bin/jim-server --port $(PORT) --data-dir $(DATA_DIR)

# Every test: unit and integration tests (ctest), then each fuzz target for FUZZ_SECONDS.
test: build
	@ctest --preset release -j $(JOBS) --timeout 300
	@scripts/fuzz.sh $(FUZZ_SECONDS)

unit: build
	@ctest --preset release -j $(JOBS) -L unit

integration: build
	@ctest --preset release -j $(JOBS) -L integration

fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: build
	@for b in build/bench/*_bench; do [ -x "$$b" ] && "$$b"; done

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build build-debug build-fuzz
