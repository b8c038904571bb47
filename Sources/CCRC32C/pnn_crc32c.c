#include "pnn_crc32c.h"

#include <string.h>

// Each processor family supplies the check and two steps (8 bytes, 1 byte); the loop below is shared.
#if defined(__x86_64__)
#include <nmmintrin.h>
#define PNN_CRC32C_AVAILABLE 1
// Compiled for SSE 4.2 whatever the target baseline; only called after the runtime check.
#define PNN_CRC32C_TARGET __attribute__((target("sse4.2")))

int pnn_crc32c_hardware(void) {
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

PNN_CRC32C_TARGET static inline uint32_t step8(uint32_t crc, uint64_t word) {
    return (uint32_t)_mm_crc32_u64(crc, word);
}

PNN_CRC32C_TARGET static inline uint32_t step1(uint32_t crc, unsigned char byte) {
    return _mm_crc32_u8(crc, byte);
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#define PNN_CRC32C_AVAILABLE 1
#define PNN_CRC32C_TARGET

int pnn_crc32c_hardware(void) { return 1; }

static inline uint32_t step8(uint32_t crc, uint64_t word) { return __crc32cd(crc, word); }
static inline uint32_t step1(uint32_t crc, unsigned char byte) { return __crc32cb(crc, byte); }

#endif

#if defined(PNN_CRC32C_AVAILABLE)

PNN_CRC32C_TARGET
uint32_t pnn_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uint32_t crc = state;
    // One 8-byte step per cycle of throughput (3 of latency): ~8 GB/s, against ~1.5 GB/s for the
    // sliced tables — the checksum runs on every recorded byte before its batch is acknowledged.
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = step8(crc, word);
        p += 8;
        count -= 8;
    }
    while (count > 0) {
        crc = step1(crc, *p);
        p += 1;
        count -= 1;
    }
    return crc;
}

#else

int pnn_crc32c_hardware(void) { return 0; }

uint32_t pnn_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return state;
}

#endif
