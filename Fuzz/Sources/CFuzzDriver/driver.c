#include "CFuzzDriver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));

int cairn_fuzz_run(int argc, char **argv, int (*callback)(const uint8_t *, size_t)) {
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
