/* WebSocket subscribers: one epoll loop per thread, non-blocking sockets, RFC 6455 client side. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

#define SCRATCH (256 * 1024)
#define MAX_RETRIES 5

static void set_error(subthread_t *t, const char *fmt, const char *detail, size_t dlen) {
    if (t->first_error[0]) return;
    char d[160];
    size_t n = dlen < sizeof d - 1 ? dlen : sizeof d - 1;
    for (size_t i = 0; i < n; i++) d[i] = (detail[i] >= 32 && detail[i] < 127 && detail[i] != '"') ? detail[i] : ' ';
    d[n] = 0;
    snprintf(t->first_error, sizeof t->first_error, fmt, d);
}

static uint32_t mask_state = 0x9e3779b9u;

static int ws_send(conn_t *c, int opcode, const void *payload, size_t len) {
    uint8_t frame[16 + 1024];
    if (len > 1024) return -1;
    size_t h = 0;
    frame[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        frame[h++] = (uint8_t)(0x80 | len);
    } else {
        frame[h++] = 0x80 | 126;
        frame[h++] = (uint8_t)(len >> 8);
        frame[h++] = (uint8_t)len;
    }
    mask_state ^= mask_state << 13;
    mask_state ^= mask_state >> 17;
    mask_state ^= mask_state << 5;
    uint8_t mask[4];
    memcpy(mask, &mask_state, 4);
    memcpy(frame + h, mask, 4);
    h += 4;
    const uint8_t *p = payload;
    for (size_t i = 0; i < len; i++) frame[h + i] = p[i] ^ mask[i & 3];
    ssize_t w = send(c->fd, frame, h + len, MSG_NOSIGNAL);
    return w == (ssize_t)(h + len) ? 0 : -1;
}

static void conn_close_fd(subthread_t *t, conn_t *c) {
    if (c->fd >= 0) {
        epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->len = 0;
}

/* A connection attempt failed before it was subscribed: retry a few times, then give up. */
static void conn_fail(subthread_t *t, conn_t *c, int retryable) {
    conn_close_fd(t, c);
    t->inflight--;
    if (retryable && c->retries < MAX_RETRIES) {
        c->retries++;
        c->state = C_IDLE;
        t->retry[t->nretry++] = c;
    } else {
        c->state = C_FAILED;
        atomic_fetch_add(&t->failed, 1);
    }
}

/* A healthy subscriber closed with 1013 (its outbound queue hit the server's bound): reconnect
 * and resume after the last id received, as PROTOCOL.md's clients do. */
static void conn_resume(subthread_t *t, conn_t *c) {
    conn_close_fd(t, c);
    c->state = C_IDLE;
    c->resuming = 1;
    c->retries = 0;
    c->saw_close = 0;
    c->lost_how = 0;
    t->resumes++;
    t->retry[t->nretry++] = c;
}

static void conn_lost(subthread_t *t, conn_t *c) {
    if (c->state == C_READY && cfg.resume && !c->slow && c->saw_close && c->close_code == 1013 &&
        !atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        conn_resume(t, c);
    } else if (c->state == C_READY) {
        conn_close_fd(t, c);
        c->state = C_CLOSED;
        if (!c->slow) t->closed_after_ready++;
    } else if (c->state != C_CLOSED && c->state != C_FAILED) {
        conn_fail(t, c, 1);
    }
}

static void conn_open(subthread_t *t, conn_t *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->fd = fd;
    c->state = C_CONNECTING;
    t->inflight++;
    if (fd < 0) {
        set_error(t, "socket(): %s", strerror(errno), strlen(strerror(errno)));
        conn_fail(t, c, 0);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c->slow && cfg.slow_rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &cfg.slow_rcvbuf, sizeof cfg.slow_rcvbuf);
    struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = 0};
    src.sin_addr.s_addr = htonl(0x7f000002u + (c->idx % (uint32_t)cfg.src_ips));
    if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
        set_error(t, "bind(): %s", strerror(errno), strlen(strerror(errno)));
        conn_fail(t, c, 1);
        return;
    }
    if (connect(fd, (struct sockaddr *)&cfg.addr, sizeof cfg.addr) < 0 && errno != EINPROGRESS) {
        conn_fail(t, c, 1);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    epoll_ctl(t->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void mark_ready(subthread_t *t, conn_t *c) {
    c->state = C_READY;
    t->inflight--;
    atomic_fetch_add(&t->ready, 1);
    /* A slow consumer stops reading: the server's queue for it must fill. */
    if (c->slow) epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
}

static void on_connected(subthread_t *t, conn_t *c) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
        conn_fail(t, c, 1);
        return;
    }
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                     cfg.sub_path, cfg.host, cfg.port, cfg.origin ? "Origin: " : "", cfg.origin ? cfg.origin : "",
                     cfg.origin ? "\r\n" : "");
    if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        conn_fail(t, c, 1);
        return;
    }
    c->state = C_HANDSHAKE;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_upgraded(subthread_t *t, conn_t *c) {
    if (cfg.proto == PROTO_NCHAN) {
        mark_ready(t, c);
        return;
    }
    char frame[600];
    int n = c->resuming
                ? snprintf(frame, sizeof frame,
                           "{\"type\":\"subscribe\",\"topics\":[\"%s\"],\"ref\":%u,\"since\":%llu,\"epoch\":\"%s\"}",
                           cfg.topic, c->idx, (unsigned long long)c->last_id, c->epoch)
                : snprintf(frame, sizeof frame, "{\"type\":\"subscribe\",\"topics\":[\"%s\"],\"ref\":%u}", cfg.topic,
                           c->idx);
    if (ws_send(c, 1, frame, (size_t)n) < 0) {
        conn_fail(t, c, 1);
        return;
    }
    c->state = C_SUBSCRIBING;
}

/* Finds "key" followed by optional spaces, ':' and an unsigned integer. */
static int find_uint(const uint8_t *s, size_t len, const char *key, size_t klen, uint64_t *out) {
    const uint8_t *p = memmem(s, len, key, klen);
    if (!p) return 0;
    const uint8_t *end = s + len;
    p += klen;
    while (p < end && (*p == ' ' || *p == ':')) p++;
    if (p >= end || *p < '0' || *p > '9') return 0;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (uint64_t)(*p++ - '0');
    *out = v;
    return 1;
}

static void on_notification(subthread_t *t, conn_t *c, const uint8_t *s, size_t len, uint64_t pub, uint64_t seq,
                            uint64_t *healthy) {
    uint64_t ts;
    if (!find_uint(s, len, "\"ts\"", 4, &ts)) {
        t->error_frames++;
        set_error(t, "notification without ts: %s", (const char *)s, len);
        return;
    }
    if (c->slow) {
        t->slow_received++;
        return;
    }
    uint64_t id;
    if (cfg.resume && find_uint(s, len, "\"id\"", 4, &id)) c->last_id = id; /* only a resume needs it */
    if (pub >= MAX_PUBLISHERS) {
        t->error_frames++;
        return;
    }
    uint32_t expect = c->next[pub];
    if (seq == expect) {
        c->next[pub]++;
    } else if (seq > expect && (c->announced & (1u << pub))) {
        c->announced_gaps += seq - expect;
        c->next[pub] = (uint32_t)seq + 1;
    } else if (seq > expect) {
        c->gaps += seq - expect;
        c->next[pub] = (uint32_t)seq + 1;
    } else {
        c->dups++;
    }
    c->announced &= ~(1u << pub);
    c->received++;
    (*healthy)++;
    uint64_t now = mono_ns();
    uint64_t warm = atomic_load_explicit(&g_warm_ns, memory_order_relaxed);
    uint64_t end = atomic_load_explicit(&g_end_ns, memory_order_relaxed);
    if (ts >= warm && ts < end) hdr_record(t->lat, now > ts ? (now - ts) / 1000 : 0);
    if (now >= warm && now < end) t->delivered_window++;
}

static void on_text(subthread_t *t, conn_t *c, const uint8_t *s, size_t len, uint64_t *healthy) {
    uint64_t seq, pub = 0;
    if (find_uint(s, len, "\"seq\"", 5, &seq)) {
        find_uint(s, len, "\"p\"", 3, &pub);
        on_notification(t, c, s, len, pub, seq, healthy);
        return;
    }
    if (c->state == C_SUBSCRIBING && memmem(s, len, "\"subscribed\"", 12)) {
        if (c->resuming) {
            c->resuming = 0;
            c->state = C_READY;
            t->inflight--;
            const uint8_t *r = memmem(s, len, "\"recovered\"", 11);
            if (r) r += 11;
            while (r && r < s + len && (*r == ' ' || *r == ':')) r++;
            if (!r || r >= s + len || *r != 't') {
                t->unrecovered++;
                c->announced = ~0u;
            }
            return;
        }
        const uint8_t *e = memmem(s, len, "\"epoch\":\"", 9);
        if (e) {
            e += 9;
            size_t k = 0;
            while (e + k < s + len && e[k] != '"' && k < sizeof c->epoch - 1) k++;
            memcpy(c->epoch, e, k);
            c->epoch[k] = 0;
        }
        mark_ready(t, c);
        return;
    }
    if (memmem(s, len, "\"error\"", 7)) {
        t->error_frames++;
        set_error(t, "error frame: %s", (const char *)s, len);
        if (c->state == C_SUBSCRIBING) conn_fail(t, c, 0);
        return;
    }
    t->other_frames++;
}

/* Parses complete frames from p[0..avail); returns the bytes consumed. */
static size_t consume(subthread_t *t, conn_t *c, uint8_t *p, size_t avail, uint64_t *healthy) {
    size_t off = 0;
    if (c->state == C_HANDSHAKE) {
        uint8_t *e = memmem(p, avail, "\r\n\r\n", 4);
        if (!e) {
            if (avail > 16384) conn_fail(t, c, 0);
            return 0;
        }
        if (avail < 12 || memcmp(p + 9, "101", 3) != 0) {
            set_error(t, "upgrade refused: %s", (const char *)p, (size_t)(e - p));
            conn_fail(t, c, 0);
            return avail;
        }
        off = (size_t)(e - p) + 4;
        on_upgraded(t, c);
    }
    while (c->fd >= 0 && avail - off >= 2) {
        uint8_t b0 = p[off], b1 = p[off + 1];
        int op = b0 & 0x0f, fin = b0 & 0x80, masked = b1 & 0x80;
        uint64_t plen = b1 & 0x7f;
        size_t h = 2;
        if (plen == 126) {
            if (avail - off < 4) break;
            plen = ((uint64_t)p[off + 2] << 8) | p[off + 3];
            h = 4;
        } else if (plen == 127) {
            if (avail - off < 10) break;
            plen = 0;
            for (int i = 0; i < 8; i++) plen = (plen << 8) | p[off + 2 + i];
            h = 10;
        }
        if (masked) h += 4;
        if (avail - off < h + plen) break;
        uint8_t *pl = p + off + h;
        if (masked) {
            uint8_t *m = p + off + h - 4;
            for (uint64_t i = 0; i < plen; i++) pl[i] ^= m[i & 3];
        }
        off += h + plen;
        if (!fin || op == 0) {
            t->fragmented++;
            set_error(t, "fragmented message (not supported by the load generator)%s", "", 0);
            continue;
        }
        switch (op) {
        case 1:
        case 2:
            on_text(t, c, pl, plen, healthy);
            break;
        case 8:
            c->saw_close = 1;
            c->lost_how = 1;
            c->close_code = plen >= 2 ? (uint16_t)((pl[0] << 8) | pl[1]) : 1005;
            conn_lost(t, c);
            return off;
        case 9:
            if (ws_send(c, 10, pl, plen) < 0) conn_lost(t, c);
            break;
        default:
            break;
        }
    }
    return off;
}

static void feed(subthread_t *t, conn_t *c, uint8_t *data, size_t len, uint64_t *healthy) {
    uint8_t *p = data;
    size_t avail = len;
    if (c->len) {
        if (c->len + len > c->cap) {
            c->cap = (uint32_t)(c->len + len) * 2;
            c->buf = realloc(c->buf, c->cap);
        }
        memcpy(c->buf + c->len, data, len);
        c->len += (uint32_t)len;
        p = c->buf;
        avail = c->len;
    }
    size_t used = consume(t, c, p, avail, healthy);
    if (c->fd < 0) {
        c->len = 0;
        return;
    }
    size_t left = avail - used;
    if (p == c->buf) {
        memmove(c->buf, c->buf + used, left);
    } else if (left) {
        if (left > c->cap) {
            c->cap = (uint32_t)(left < 4096 ? 4096 : left * 2);
            c->buf = realloc(c->buf, c->cap);
        }
        memcpy(c->buf, p + used, left);
    }
    c->len = (uint32_t)left;
    if (!c->len && c->cap > 65536) {
        free(c->buf);
        c->buf = NULL;
        c->cap = 0;
    }
}

static void on_readable(subthread_t *t, conn_t *c) {
    uint64_t healthy = 0;
    for (int i = 0; i < 16 && c->fd >= 0; i++) {
        ssize_t n = recv(c->fd, t->scratch, SCRATCH, 0);
        if (n > 0) {
            feed(t, c, t->scratch, (size_t)n, &healthy);
            if (n < SCRATCH) break;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            if (!c->lost_how) c->lost_how = n == 0 ? 2 : 3;
            conn_lost(t, c);
            break;
        } else {
            break;
        }
    }
    if (healthy) atomic_fetch_add_explicit(&t->received_healthy, healthy, memory_order_relaxed);
}

void subscriber_drain_slow(subthread_t *t, conn_t *c) {
    uint64_t healthy = 0;
    while (c->fd >= 0) {
        ssize_t n = recv(c->fd, t->scratch, SCRATCH, MSG_DONTWAIT);
        if (n > 0)
            feed(t, c, t->scratch, (size_t)n, &healthy);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            if (!c->lost_how) c->lost_how = n == 0 ? 2 : 3;
            conn_lost(t, c);
        }
        else
            break;
    }
}

void *subscriber_main(void *arg) {
    subthread_t *t = arg;
    t->scratch = malloc(SCRATCH);
    struct epoll_event evs[512];
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        while (t->inflight < t->inflight_limit && (t->nretry || t->next_open < t->nconns)) {
            conn_t *c = t->nretry ? t->retry[--t->nretry] : t->conns[t->next_open++];
            conn_open(t, c);
        }
        int n = epoll_wait(t->ep, evs, 512, 20);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->fd < 0) continue;
            if (c->state == C_CONNECTING)
                on_connected(t, c);
            else
                on_readable(t, c);
        }
    }
    return NULL;
}
