#include "pnn_crc32c.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int pnn_crc32c_hardware(void) {
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

// Compiled for SSE 4.2 whatever the target baseline; only called after the runtime check above.
__attribute__((target("sse4.2")))
uint32_t pnn_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uint64_t crc = state;
    // One 8-byte step per cycle of throughput (3 of latency): ~8 GB/s, against ~1.5 GB/s for the
    // sliced tables — the checksum runs on every recorded byte before its batch is acknowledged.
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = _mm_crc32_u64(crc, word);
        p += 8;
        count -= 8;
    }
    uint32_t tail = (uint32_t)crc;
    while (count > 0) {
        tail = _mm_crc32_u8(tail, *p);
        p += 1;
        count -= 1;
    }
    return tail;
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

int pnn_crc32c_hardware(void) { return 1; }

uint32_t pnn_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uint32_t crc = state;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = __crc32cd(crc, word);
        p += 8;
        count -= 8;
    }
    while (count > 0) {
        crc = __crc32cb(crc, *p);
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
