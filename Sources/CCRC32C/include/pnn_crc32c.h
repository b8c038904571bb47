// CRC-32C with the processor's CRC instruction (SSE 4.2 on x86-64, the CRC extension on AArch64).
// Swift cannot reach these instructions itself; PNNRecorder falls back to its sliced tables when
// pnn_crc32c_hardware() says they are missing.
#ifndef PNN_CRC32C_H
#define PNN_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when pnn_crc32c_update may be called on this processor, else 0.
int pnn_crc32c_hardware(void);

/// Continues the raw (pre-inverted) CRC-32C register `state` over `count` bytes at `bytes`.
/// Only valid when pnn_crc32c_hardware() returned 1.
uint32_t pnn_crc32c_update(uint32_t state, const void *bytes, size_t count);

#endif
