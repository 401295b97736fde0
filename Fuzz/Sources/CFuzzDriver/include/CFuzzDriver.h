#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver over `callback`. SwiftPM links each executable's entry point
/// under its own name, so the targets call libFuzzer from there instead of using its main.
int cairn_fuzz_run(int argc, char **argv, int (*callback)(const uint8_t *, size_t));
