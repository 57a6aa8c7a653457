// fanout-probe: a first fan-out measurement for wok-router (issue 4). One epoll thread opens N
// /push sockets (source addresses spread over 127.0.0.x), subscribes each to one topic, then publishes at a fixed
// rate over one keep-alive HTTP connection (JSON batches) and counts every notification frame
// each socket receives, checking per-socket order. Latency = receive time - the "t" the publisher
// put in the data (CLOCK_MONOTONIC, same host). Not a full harness: see Benchmarks/.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct { int fd; int state; char *buf; size_t len, cap; uint64_t last_seq, received, out_of_order; } conn_t;
static const char *topic = "bench.fanout";
static int port = 8080;

static uint64_t now_ns(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec; }

static int dial(int i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = 0};
    src.sin_addr.s_addr = htonl(0x7f000001 + (i % 60));  // spread source addresses over 127.0.0.x
    if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) { perror("bind"); exit(2); }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("connect"); exit(2); }
    int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void write_all(int fd, const char *p, size_t n) {
    while (n) { ssize_t w = write(fd, p, n); if (w < 0) { if (errno == EAGAIN) continue; perror("write"); exit(2); } p += w; n -= w; }
}

static void send_text(int fd, const char *text) {  // masked client text frame (mask 0)
    size_t n = strlen(text); unsigned char h[8]; size_t hl = 0;
    h[hl++] = 0x81;
    if (n < 126) h[hl++] = 0x80 | n; else { h[hl++] = 0x80 | 126; h[hl++] = n >> 8; h[hl++] = n & 255; }
    memset(h + hl, 0, 4); hl += 4;
    write_all(fd, (char *)h, hl); write_all(fd, text, n);
}

static int cmp_u64(const void *a, const void *b) { uint64_t x = *(uint64_t *)a, y = *(uint64_t *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: probe PORT CONNS RATE_PER_S SECONDS BATCH [idle-only]\n"); return 2; }
    port = atoi(argv[1]); int n = atoi(argv[2]); double rate = atof(argv[3]); double seconds = atof(argv[4]); int batch = atoi(argv[5]);
    int idle_only = argc > 6;
    conn_t *c = calloc(n, sizeof *c);
    int ep = epoll_create1(0);
    const char *req = "GET /push HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    char sub[256]; snprintf(sub, sizeof sub, "{\"type\":\"subscribe\",\"topics\":[\"%s\"]}", topic);
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {  // blocking handshake + subscribe, then non-blocking
        c[i].fd = dial(i); c[i].cap = 1 << 16; c[i].buf = malloc(c[i].cap);
        write_all(c[i].fd, req, strlen(req));
        char hb[1024]; size_t hl = 0;
        while (!(hl >= 4 && memmem(hb, hl, "\r\n\r\n", 4))) { ssize_t r = read(c[i].fd, hb + hl, sizeof hb - hl); if (r <= 0) { fprintf(stderr, "handshake failed\n"); return 2; } hl += r; }
        if (memcmp(hb, "HTTP/1.1 101", 12)) { fprintf(stderr, "no upgrade: %.*s\n", (int)hl, hb); return 2; }
        char *end = memmem(hb, hl, "\r\n\r\n", 4) + 4; size_t extra = hb + hl - end;
        memcpy(c[i].buf, end, extra); c[i].len = extra;
        send_text(c[i].fd, sub);
        fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
    }
    // Wait for every "subscribed".
    int subscribed = 0; struct epoll_event evs[512];
    while (subscribed < n) {
        int k = epoll_wait(ep, evs, 512, 5000); if (k <= 0) { fprintf(stderr, "only %d subscribed\n", subscribed); return 2; }
        for (int j = 0; j < k; j++) { conn_t *x = &c[evs[j].data.u32];
            ssize_t r = read(x->fd, x->buf + x->len, x->cap - x->len); if (r > 0) x->len += r;
            if (x->state == 0 && memmem(x->buf, x->len, "subscribed", 10)) { x->state = 1; x->len = 0; subscribed++; } }
    }
    fprintf(stderr, "%d sockets subscribed in %.2f s\n", n, (now_ns() - t0) / 1e9);
    if (idle_only) { printf("ready\n"); fflush(stdout); pause(); }

    int pub = dial(0);
    uint64_t *lat = malloc(sizeof(uint64_t) * 8000000); size_t nlat = 0;
    uint64_t seq = 0, start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9), total = 0, ooo = 0;
    char *body = malloc(batch * 128 + 64), *http = malloc(batch * 128 + 256), rb[65536];
    int inflight = 0;
    while (now_ns() < deadline + 2000000000ull) {
        uint64_t t = now_ns();
        uint64_t due = t < deadline ? (uint64_t)((t - start) / 1e9 * rate) : seq;
        if (due >= seq + batch) {  // requests are pipelined on the keep-alive connection
            size_t bl = 0; bl += sprintf(body + bl, "[");
            for (int b = 0; b < batch; b++) bl += sprintf(body + bl, "%s{\"topic\":\"%s\",\"data\":{\"seq\":%llu,\"t\":%llu}}", b ? "," : "", topic, (unsigned long long)++seq, (unsigned long long)now_ns());
            bl += sprintf(body + bl, "]");
            int hl = sprintf(http, "POST /notifications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", bl);
            memcpy(http + hl, body, bl); write_all(pub, http, hl + bl);
            if (!inflight) { fcntl(pub, F_SETFL, O_NONBLOCK); inflight = 1; }
        }
        if (inflight) { while (read(pub, rb, sizeof rb) > 0) {} }
        int k = epoll_wait(ep, evs, 512, 1);
        for (int j = 0; j < k; j++) {
            conn_t *x = &c[evs[j].data.u32];
            for (;;) {
                if (x->cap - x->len < 4096) { x->cap *= 2; x->buf = realloc(x->buf, x->cap); }
                ssize_t r = read(x->fd, x->buf + x->len, x->cap - x->len); if (r <= 0) break; x->len += r;
            }
            size_t off = 0; uint64_t rt = now_ns();
            while (x->len - off >= 2) {
                unsigned char *p = (unsigned char *)x->buf + off; size_t pl = p[1] & 127, h = 2;
                if (pl == 126) { if (x->len - off < 4) break; pl = (p[2] << 8) | p[3]; h = 4; }
                else if (pl == 127) { if (x->len - off < 10) break; pl = 0; for (int q = 0; q < 8; q++) pl = (pl << 8) | p[2 + q]; h = 10; }
                if (x->len - off < h + pl) break;
                if ((p[0] & 15) == 1) {
                    char *s = memmem(p + h, pl, "\"seq\":", 6); char *tt = memmem(p + h, pl, "\"t\":", 4);
                    if (s && tt) { uint64_t sq = strtoull(s + 6, 0, 10), ts = strtoull(tt + 4, 0, 10);
                        if (sq != x->last_seq + 1) ooo++; x->last_seq = sq; x->received++; total++;
                        if (nlat < 8000000) lat[nlat++] = rt - ts; }
                }
                off += h + pl;
            }
            memmove(x->buf, x->buf + off, x->len - off); x->len -= off;
        }
    }
    double elapsed = seconds;
    uint64_t expected = seq * (uint64_t)n, missing = 0;
    for (int i = 0; i < n; i++) missing += seq - c[i].received;
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    printf("{\"sockets\":%d,\"offered_per_s\":%.0f,\"published\":%llu,\"deliveries\":%llu,\"expected\":%llu,\"missing\":%llu,\"out_of_order\":%llu,"
           "\"deliveries_per_s\":%.0f,\"p50_ms\":%.1f,\"p99_ms\":%.1f}\n",
           n, rate, (unsigned long long)seq, (unsigned long long)total, (unsigned long long)expected, (unsigned long long)missing, (unsigned long long)ooo,
           total / elapsed, nlat ? lat[nlat / 2] / 1e6 : 0, nlat ? lat[nlat * 99 / 100] / 1e6 : 0);
    struct timespec cpu; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    fprintf(stderr, "probe cpu %.1f s\n", cpu.tv_sec + cpu.tv_nsec / 1e9);
    return 0;
}
