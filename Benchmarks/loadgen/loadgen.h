/* The load generator's shared state: configuration, subscriber and publisher threads.
 *
 * Subscribers are WebSocket clients spread over a few epoll threads; publishers are blocking
 * HTTP/1.1 keep-alive connections, each its own thread, publishing at a fixed rate (or as fast as
 * answers come back). Every notification carries {"p": publisher, "seq": n, "ts": monotonic ns};
 * every subscriber checks it sees each publisher's sequence complete, in order, once. */
#ifndef LOADGEN_H
#define LOADGEN_H
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hdr.h"
#include "procstat.h"

#define MAX_PUBLISHERS 32 /* also the width of conn_t.announced */

typedef enum { PROTO_WOK, PROTO_NCHAN } proto_t;

typedef struct config {
    const char *target;   /* label in the report: wok-router, nchan, tornado */
    const char *scenario; /* label in the report */
    proto_t proto;        /* wok: PROTOCOL.md frames; nchan: raw payloads, channel in the URL */
    const char *host;
    int port;
    const char *sub_path;
    const char *pub_path;
    const char *topic;
    const char *origin; /* Origin header on the upgrade, or NULL */
    int subs;           /* subscriber sockets */
    int slow;           /* of which this many never read after subscribing */
    int slow_rcvbuf;    /* SO_RCVBUF of the slow ones, so the server's queue fills quickly */
    int sub_threads;
    int inflight;      /* connects+handshakes in flight at once, over all threads */
    int src_ips;       /* spread source addresses over 127.0.0.2 .. 127.0.0.(1+src_ips) */
    double rate;       /* notifications per second over all publishers; 0: as fast as possible */
    double warmup;     /* seconds published before the measurement window */
    double duration;   /* seconds of measurement window; 0: connect (and idle) only */
    double idle_wait;  /* seconds to wait after all subscribed before reading server memory */
    double drain_timeout;
    double connect_timeout;
    int pub_conns;
    int batch; /* notifications per POST (a JSON array) when > 1 */
    int pad;   /* bytes of padding in each notification's data */
    int resume; /* wok proto: a healthy subscriber closed with 1013 reconnects and resumes */
    procset_t server;
    int verbose;
    struct sockaddr_in addr;
} config_t;

enum conn_state { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_SUBSCRIBING, C_READY, C_CLOSED, C_FAILED };

typedef struct conn {
    int fd;
    uint8_t state;
    uint8_t slow;
    uint8_t retries;
    uint8_t saw_close;
    uint8_t lost_how; /* 1 close frame, 2 EOF without close frame, 3 reset or other error */
    uint16_t close_code;
    uint32_t idx;
    uint32_t len, cap; /* partial frame bytes kept between reads */
    uint8_t *buf;
    uint32_t next[MAX_PUBLISHERS]; /* next expected seq per publisher */
    uint64_t received;
    uint64_t gaps; /* notifications skipped over */
    uint64_t dups; /* notifications at or below one already seen */
    uint64_t last_id; /* id of the last notification received (wok proto), for a resume */
    char epoch[40];   /* the history's epoch from the first "subscribed" reply */
    uint8_t resuming; /* reconnecting after a 1013 close: subscribe with since/epoch */
    uint32_t announced; /* publishers whose next jump was announced by "recovered": false */
    uint64_t announced_gaps; /* notifications skipped after a resume answered "recovered": false */
} conn_t;

typedef struct subthread {
    int id;
    pthread_t th;
    int ep;
    conn_t **conns;
    int nconns;
    int next_open;
    int inflight;
    int inflight_limit;
    conn_t **retry;
    int nretry;
    _Atomic int ready;
    _Atomic int failed;
    _Atomic uint64_t received_healthy;
    uint64_t delivered_window;
    uint64_t slow_received;
    uint64_t error_frames;
    uint64_t other_frames;
    uint64_t fragmented;
    uint64_t closed_after_ready;
    uint64_t resumes;     /* reconnections after a 1013 close */
    uint64_t unrecovered; /* resumes answered "recovered": false */
    hdr_t *lat;
    uint8_t *scratch;
    char first_error[256];
} subthread_t;

typedef struct pubthread {
    int id;
    pthread_t th;
    uint64_t seq; /* accepted notifications = next seq */
    uint64_t requests;
    uint64_t accepted_window;
    uint64_t errors;
    hdr_t *rtt;
    char first_error[256];
} pubthread_t;

extern config_t cfg;
extern _Atomic uint64_t g_start_ns, g_warm_ns, g_end_ns;
extern _Atomic int g_stop;

uint64_t mono_ns(void);
void sleep_until_ns(uint64_t t);

void *subscriber_main(void *arg);
/* Reads what a slow subscriber's socket still holds, to learn whether the server closed it. */
void subscriber_drain_slow(subthread_t *t, conn_t *c);
void *publisher_main(void *arg);

#endif
