/* A High Dynamic Range histogram (Gil Tene's HdrHistogram layout) with 3 significant digits:
 * 2,048 linear sub-buckets per power of two, so any recorded value is kept within 0.1%.
 * Values are unsigned integers (the load generator records microseconds). Not thread-safe:
 * each thread records into its own histogram and the results are merged at the end. */
#ifndef LOADGEN_HDR_H
#define LOADGEN_HDR_H
#include <stdint.h>

#define HDR_SUB_BITS 11
#define HDR_SUB_COUNT (1 << HDR_SUB_BITS)
#define HDR_SUB_HALF (HDR_SUB_COUNT / 2)
#define HDR_BUCKETS 30 /* values up to 2^(11+29) */
#define HDR_LEN ((HDR_BUCKETS + 1) * HDR_SUB_HALF)

typedef struct hdr {
    uint64_t counts[HDR_LEN];
    uint64_t total;
    uint64_t max;
    uint64_t min;
    double sum;
} hdr_t;

void hdr_init(hdr_t *h);
void hdr_record(hdr_t *h, uint64_t value);
void hdr_merge(hdr_t *into, const hdr_t *from);
/* The value at percentile p (0 to 100): the highest value equivalent to the bucket holding it. */
uint64_t hdr_percentile(const hdr_t *h, double p);
double hdr_mean(const hdr_t *h);

#endif
