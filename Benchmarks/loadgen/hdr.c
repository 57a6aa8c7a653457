#include "hdr.h"

#include <math.h>
#include <string.h>

void hdr_init(hdr_t *h) {
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static int hdr_index(uint64_t v) {
    int pow2ceil = 64 - __builtin_clzll(v | (HDR_SUB_COUNT - 1));
    int bucket = pow2ceil - HDR_SUB_BITS;
    if (bucket >= HDR_BUCKETS) return HDR_LEN - 1;
    uint64_t sub = v >> bucket;
    return (bucket + 1) * HDR_SUB_HALF + (int)(sub - HDR_SUB_HALF);
}

static uint64_t hdr_highest_equivalent(int index) {
    int bucket = index / HDR_SUB_HALF - 1;
    uint64_t sub = (uint64_t)(index % HDR_SUB_HALF) + HDR_SUB_HALF;
    if (bucket < 0) {
        bucket = 0;
        sub -= HDR_SUB_HALF;
    }
    return ((sub + 1) << bucket) - 1;
}

void hdr_record(hdr_t *h, uint64_t value) {
    h->counts[hdr_index(value)]++;
    h->total++;
    h->sum += (double)value;
    if (value > h->max) h->max = value;
    if (value < h->min) h->min = value;
}

void hdr_merge(hdr_t *into, const hdr_t *from) {
    for (int i = 0; i < HDR_LEN; i++) into->counts[i] += from->counts[i];
    into->total += from->total;
    into->sum += from->sum;
    if (from->max > into->max) into->max = from->max;
    if (from->min < into->min) into->min = from->min;
}

uint64_t hdr_percentile(const hdr_t *h, double p) {
    if (h->total == 0) return 0;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HDR_LEN; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = hdr_highest_equivalent(i);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

double hdr_mean(const hdr_t *h) { return h->total ? h->sum / (double)h->total : 0; }
