/* Publishers: one blocking HTTP/1.1 keep-alive connection per thread, paced to a fixed rate. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

static void pub_error(pubthread_t *t, const char *fmt, const char *detail, size_t dlen) {
    t->errors++;
    if (t->first_error[0]) return;
    char d[160];
    size_t n = dlen < sizeof d - 1 ? dlen : sizeof d - 1;
    for (size_t i = 0; i < n; i++) d[i] = (detail[i] >= 32 && detail[i] < 127 && detail[i] != '"') ? detail[i] : ' ';
    d[n] = 0;
    snprintf(t->first_error, sizeof t->first_error, fmt, d);
}

static int pub_connect(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&cfg.addr, sizeof cfg.addr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One notification as the body item: wok-router's and tornado's publish shape, or for nchan the
 * whole frame a wok-router subscriber would receive, so both deliver the same bytes. */
static int write_item(char *out, size_t cap, int pub, uint64_t seq, uint64_t ts, const char *pad) {
    if (cfg.proto == PROTO_NCHAN)
        return snprintf(out, cap,
                        "{\"type\":\"notification\",\"id\":%llu,\"epoch\":\"5f3a9c\",\"topic\":\"%s\","
                        "\"plugin\":\"bench\",\"time\":\"2026-11-29T00:00:00.000Z\",\"data\":{\"p\":%d,"
                        "\"pad\":\"%s\",\"seq\":%llu,\"ts\":%llu}}",
                        (unsigned long long)seq + 1, cfg.topic, pub, pad, (unsigned long long)seq,
                        (unsigned long long)ts);
    return snprintf(out, cap, "{\"topic\":\"%s\",\"data\":{\"p\":%d,\"pad\":\"%s\",\"seq\":%llu,\"ts\":%llu}}",
                    cfg.topic, pub, pad, (unsigned long long)seq, (unsigned long long)ts);
}

/* Reads one whole response; returns the status, the body in body/blen (inside buf). */
static int read_response(int fd, char *buf, size_t cap, char **body, size_t *blen) {
    size_t len = 0;
    char *hend = NULL;
    while (!hend) {
        if (len == cap - 1) return -1;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0) return -1;
        len += (size_t)n;
        buf[len] = 0;
        hend = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    size_t hlen = (size_t)(hend - buf) + 4;
    long clen = -1;
    int chunked = 0;
    for (char *line = strstr(buf, "\r\n") + 2; line < hend; line = strstr(line, "\r\n") + 2) {
        if (strncasecmp(line, "content-length:", 15) == 0) clen = atol(line + 15);
        if (strncasecmp(line, "transfer-encoding:", 18) == 0 && strcasestr(line, "chunked") < strstr(line, "\r\n"))
            chunked = 1;
    }
    if (clen >= 0) {
        while (len < hlen + (size_t)clen) {
            if (len == cap - 1) return -1;
            ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
            if (n <= 0) return -1;
            len += (size_t)n;
        }
        buf[len] = 0;
    } else if (chunked) {
        while (!memmem(buf + hlen - 2, len - hlen + 2, "\r\n0\r\n\r\n", 7)) {
            if (len == cap - 1) return -1;
            ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
            if (n <= 0) return -1;
            len += (size_t)n;
            buf[len] = 0;
        }
    } else if (status != 204 && status != 304) {
        return -1;
    }
    *body = buf + hlen;
    *blen = len - hlen;
    return status;
}

static size_t count_sub(const char *s, size_t len, const char *needle) {
    size_t k = strlen(needle), c = 0;
    const char *p = s, *end = s + len;
    while ((p = memmem(p, (size_t)(end - p), needle, k)) != NULL) {
        c++;
        p += k;
    }
    return c;
}

void *publisher_main(void *arg) {
    pubthread_t *t = arg;
    int batch = cfg.batch > 1 ? cfg.batch : 1;
    size_t cap = (size_t)batch * ((size_t)cfg.pad + 400) + 1024;
    char *req = malloc(cap), *resp = malloc(1 << 20);
    char *pad = malloc((size_t)cfg.pad + 1);
    memset(pad, 'x', (size_t)cfg.pad);
    pad[cfg.pad] = 0;
    int fd = pub_connect();
    if (fd < 0) {
        pub_error(t, "publisher cannot connect%s", "", 0);
        return NULL;
    }
    uint64_t start = atomic_load(&g_start_ns), warm = atomic_load(&g_warm_ns), end = atomic_load(&g_end_ns);
    /* Interval between POSTs of this publisher; publishers are evenly phase-shifted. */
    double interval = cfg.rate > 0 ? 1e9 * cfg.pub_conns * batch / cfg.rate : 0;
    uint64_t next = start + (uint64_t)(interval * t->id / cfg.pub_conns);
    while (1) {
        /* A fixed schedule, but never past the end: a server that answers slowly gets fewer. */
        if (mono_ns() >= end) break;
        if (interval > 0) {
            if (next >= end) break;
            sleep_until_ns(next);
            next += (uint64_t)interval;
        }
        uint64_t ts = mono_ns();
        char *body = req + 512;
        size_t blen = 0;
        if (batch > 1) body[blen++] = '[';
        for (int i = 0; i < batch; i++) {
            if (i) body[blen++] = ',';
            blen += (size_t)write_item(body + blen, cap - 512 - blen, t->id, t->seq + (uint64_t)i, ts, pad);
        }
        if (batch > 1) body[blen++] = ']';
        char head[512];
        int hl = snprintf(head, sizeof head,
                          "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n",
                          cfg.pub_path, cfg.host, cfg.port, blen);
        char *msg = body - hl;
        memcpy(msg, head, (size_t)hl);
        size_t total = (size_t)hl + blen, sent = 0;
        while (sent < total) {
            ssize_t w = send(fd, msg + sent, total - sent, MSG_NOSIGNAL);
            if (w <= 0) break;
            sent += (size_t)w;
        }
        char *rbody = NULL;
        size_t rlen = 0;
        int status = sent == total ? read_response(fd, resp, 1 << 20, &rbody, &rlen) : -1;
        uint64_t done = mono_ns();
        t->requests++;
        if (status < 0) {
            pub_error(t, "publish connection lost%s", "", 0);
            close(fd);
            fd = pub_connect();
            if (fd < 0) break;
            continue;
        }
        uint64_t accepted = 0;
        if (batch > 1) {
            if (status == 207) accepted = count_sub(rbody, rlen, "\"id\"");
            if (accepted < (uint64_t)batch) pub_error(t, "batch item refused: %s", rbody, rlen);
        } else if (cfg.proto == PROTO_NCHAN ? (status >= 200 && status < 300) : status == 202) {
            accepted = 1;
        } else {
            char d[200];
            int dl = snprintf(d, sizeof d, "%d %.*s", status, (int)(rlen < 150 ? rlen : 150), rbody);
            pub_error(t, "publish refused: %s", d, (size_t)dl);
        }
        t->seq += accepted;
        if (ts >= warm && ts < end) {
            t->accepted_window += accepted;
            hdr_record(t->rtt, (done - ts) / 1000);
        }
    }
    if (fd >= 0) close(fd);
    free(req);
    free(resp);
    free(pad);
    return NULL;
}
