/* loadgen: connects subscribers, publishes at a fixed rate, measures, checks, prints one JSON line.
 * Run `loadgen --help` for the options. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "loadgen.h"

config_t cfg = {
    .target = "server",
    .scenario = "run",
    .proto = PROTO_WOK,
    .host = "127.0.0.1",
    .port = 8080,
    .topic = "bench.load",
    .subs = 100,
    .slow_rcvbuf = 4096,
    .sub_threads = 1,
    .inflight = 1000,
    .src_ips = 64,
    .rate = 100,
    .warmup = 2,
    .duration = 5,
    .drain_timeout = 20,
    .connect_timeout = 60,
    .pub_conns = 1,
    .batch = 1,
    .pad = 100,
};

_Atomic uint64_t g_start_ns = UINT64_MAX, g_warm_ns = UINT64_MAX, g_end_ns = UINT64_MAX;
_Atomic int g_stop = 0;

uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_until_ns(uint64_t t) {
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static double self_cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen [options]\n"
            "  --target NAME         label for the report (wok-router, nchan, tornado)\n"
            "  --scenario NAME       label for the report\n"
            "  --proto wok|nchan     wok: PROTOCOL.md subscribe frames and POST bodies (also the tornado peer);\n"
            "                        nchan: subscribed on upgrade, raw payloads\n"
            "  --port P              server port on 127.0.0.1\n"
            "  --sub-path PATH       WebSocket path (wok: /push, nchan: /sub)\n"
            "  --pub-path PATH       publish path (wok: /notifications, nchan: /pub)\n"
            "  --topic T             topic to subscribe and publish (bench.load)\n"
            "  --origin O            Origin header on the upgrade\n"
            "  --subs N              subscriber sockets (100)\n"
            "  --slow N              of which N stop reading after subscribing (0)\n"
            "  --threads N           subscriber epoll threads (1)\n"
            "  --inflight N          connects in flight at once (1000)\n"
            "  --src-ips N           source addresses 127.0.0.2.. (64)\n"
            "  --rate R              notifications/s over all publishers; 0 = as fast as answered (100)\n"
            "  --warmup S            seconds published before measuring (2)\n"
            "  --duration S          seconds measured; 0 = connect only (5)\n"
            "  --idle-wait S         after subscribing, wait S s then read server memory (0)\n"
            "  --drain-timeout S     wait at most S s for every delivery after publishing stops (20)\n"
            "  --pub-conns N         publisher connections (1)\n"
            "  --batch N             notifications per POST, as a JSON array (1)\n"
            "  --pad N               padding bytes in each notification (100)\n"
            "  --resume              wok proto: a healthy subscriber closed with 1013 (queue bound) reconnects\n"
            "                        and resumes after the last id it received (since/epoch), as real clients do\n"
            "  --server-pid PID      server process (and its children) to measure; repeatable\n"
            "  --verbose\n");
}

static void put_kv(const char *k, double v, int first) { printf("%s\"%s\":%.6g", first ? "" : ",", k, v); }

int main(int argc, char **argv) {
    static struct option opts[] = {
        {"target", 1, 0, 't'},        {"scenario", 1, 0, 'S'},    {"proto", 1, 0, 'P'},
        {"port", 1, 0, 'p'},          {"sub-path", 1, 0, 's'},    {"pub-path", 1, 0, 'u'},
        {"topic", 1, 0, 'T'},         {"origin", 1, 0, 'o'},      {"subs", 1, 0, 'n'},
        {"slow", 1, 0, 'w'},          {"threads", 1, 0, 'j'},     {"inflight", 1, 0, 'i'},
        {"src-ips", 1, 0, 'I'},       {"rate", 1, 0, 'r'},        {"warmup", 1, 0, 'W'},
        {"duration", 1, 0, 'd'},      {"idle-wait", 1, 0, 'm'},   {"drain-timeout", 1, 0, 'D'},
        {"pub-conns", 1, 0, 'c'},     {"batch", 1, 0, 'b'},       {"pad", 1, 0, 'x'},
        {"server-pid", 1, 0, 'k'},    {"verbose", 0, 0, 'v'},     {"help", 0, 0, 'h'},
        {"resume", 0, 0, 'R'},
        {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 't': cfg.target = optarg; break;
        case 'S': cfg.scenario = optarg; break;
        case 'P': cfg.proto = strcmp(optarg, "nchan") == 0 ? PROTO_NCHAN : PROTO_WOK; break;
        case 'p': cfg.port = atoi(optarg); break;
        case 's': cfg.sub_path = optarg; break;
        case 'u': cfg.pub_path = optarg; break;
        case 'T': cfg.topic = optarg; break;
        case 'o': cfg.origin = optarg; break;
        case 'n': cfg.subs = atoi(optarg); break;
        case 'w': cfg.slow = atoi(optarg); break;
        case 'j': cfg.sub_threads = atoi(optarg); break;
        case 'i': cfg.inflight = atoi(optarg); break;
        case 'I': cfg.src_ips = atoi(optarg); break;
        case 'r': cfg.rate = atof(optarg); break;
        case 'W': cfg.warmup = atof(optarg); break;
        case 'd': cfg.duration = atof(optarg); break;
        case 'm': cfg.idle_wait = atof(optarg); break;
        case 'D': cfg.drain_timeout = atof(optarg); break;
        case 'c': cfg.pub_conns = atoi(optarg); break;
        case 'b': cfg.batch = atoi(optarg); break;
        case 'x': cfg.pad = atoi(optarg); break;
        case 'k': procset_add_tree(&cfg.server, (pid_t)atoi(optarg)); break;
        case 'v': cfg.verbose = 1; break;
        case 'R': cfg.resume = 1; break;
        default: usage(); return 2;
        }
    }
    if (!cfg.sub_path) cfg.sub_path = cfg.proto == PROTO_NCHAN ? "/sub" : "/push";
    if (!cfg.pub_path) cfg.pub_path = cfg.proto == PROTO_NCHAN ? "/pub" : "/notifications";
    if (cfg.pub_conns < 1 || cfg.pub_conns > MAX_PUBLISHERS || cfg.sub_threads < 1 || cfg.src_ips < 1 ||
        cfg.src_ips > 250 || cfg.slow > cfg.subs) {
        usage();
        return 2;
    }
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    cfg.addr.sin_family = AF_INET;
    cfg.addr.sin_port = htons((uint16_t)cfg.port);
    inet_pton(AF_INET, cfg.host, &cfg.addr.sin_addr);

    /* Subscribers, round-robin over threads; slow ones spread evenly. */
    conn_t *conns = calloc((size_t)cfg.subs, sizeof *conns);
    int nth = cfg.sub_threads;
    subthread_t *th = calloc((size_t)nth, sizeof *th);
    for (int i = 0; i < nth; i++) {
        th[i].id = i;
        th[i].ep = epoll_create1(EPOLL_CLOEXEC);
        th[i].conns = calloc((size_t)cfg.subs / nth + 1, sizeof(conn_t *));
        th[i].retry = calloc((size_t)cfg.subs / nth + 1, sizeof(conn_t *));
        th[i].inflight_limit = cfg.inflight / nth > 0 ? cfg.inflight / nth : 1;
        th[i].lat = malloc(sizeof(hdr_t));
        hdr_init(th[i].lat);
    }
    int slow_every = cfg.slow ? cfg.subs / cfg.slow : 0, slow_made = 0;
    for (int i = 0; i < cfg.subs; i++) {
        conn_t *c = &conns[i];
        c->fd = -1;
        c->idx = (uint32_t)i;
        if (slow_every && i % slow_every == slow_every / 2 && slow_made < cfg.slow) {
            c->slow = 1;
            slow_made++;
        }
        subthread_t *t = &th[i % nth];
        t->conns[t->nconns++] = c;
    }

    uint64_t mem_rss0 = 0, mem_pss0 = 0, mem_rss1 = 0, mem_pss1 = 0;
    procset_memory_kib(&cfg.server, &mem_rss0, &mem_pss0);
    double scpu0 = procset_cpu_seconds(&cfg.server), lcpu0 = self_cpu_seconds();
    uint64_t t_conn0 = mono_ns();
    for (int i = 0; i < nth; i++) pthread_create(&th[i].th, NULL, subscriber_main, &th[i]);
    int ready = 0, failed = 0;
    uint64_t deadline = t_conn0 + (uint64_t)(cfg.connect_timeout * 1e9);
    while (mono_ns() < deadline) {
        ready = failed = 0;
        for (int i = 0; i < nth; i++) {
            ready += atomic_load(&th[i].ready);
            failed += atomic_load(&th[i].failed);
        }
        if (ready + failed >= cfg.subs) break;
        usleep(2000);
    }
    uint64_t t_conn1 = mono_ns();
    double scpu1 = procset_cpu_seconds(&cfg.server), lcpu1 = self_cpu_seconds();
    double connect_s = (double)(t_conn1 - t_conn0) / 1e9;
    if (cfg.verbose)
        fprintf(stderr, "[%s/%s] %d subscribed, %d failed in %.2fs\n", cfg.target, cfg.scenario, ready, failed,
                connect_s);
    if (cfg.idle_wait > 0) {
        usleep((useconds_t)(cfg.idle_wait * 1e6));
        procset_memory_kib(&cfg.server, &mem_rss1, &mem_pss1);
    }

    /* Publish. */
    pubthread_t *pub = calloc((size_t)cfg.pub_conns, sizeof *pub);
    double scpu_a = 0, scpu_b = 0, lcpu_a = 0, lcpu_b = 0, drain_s = 0;
    uint64_t mbusy_a = 0, mtotal_a = 0, mbusy_b = 0, mtotal_b = 0;
    uint64_t expected = 0, published_total = 0, pub_errors = 0;
    int drained = 1;
    if (cfg.duration > 0) {
        uint64_t start = mono_ns() + 100000000u;
        uint64_t warm = start + (uint64_t)(cfg.warmup * 1e9);
        uint64_t end = warm + (uint64_t)(cfg.duration * 1e9);
        atomic_store(&g_start_ns, start);
        atomic_store(&g_warm_ns, warm);
        atomic_store(&g_end_ns, end);
        for (int k = 0; k < cfg.pub_conns; k++) {
            pub[k].id = k;
            pub[k].rtt = malloc(sizeof(hdr_t));
            hdr_init(pub[k].rtt);
            pthread_create(&pub[k].th, NULL, publisher_main, &pub[k]);
        }
        sleep_until_ns(warm);
        machine_cpu_jiffies(&mbusy_a, &mtotal_a);
        scpu_a = procset_cpu_seconds(&cfg.server);
        lcpu_a = self_cpu_seconds();
        sleep_until_ns(end);
        machine_cpu_jiffies(&mbusy_b, &mtotal_b);
        scpu_b = procset_cpu_seconds(&cfg.server);
        lcpu_b = self_cpu_seconds();
        for (int k = 0; k < cfg.pub_conns; k++) {
            pthread_join(pub[k].th, NULL);
            expected += pub[k].seq;
            pub_errors += pub[k].errors;
        }
        published_total = expected;
        /* Wait until every healthy subscriber has everything, or the drain timeout. */
        uint64_t d0 = mono_ns(), dl = d0 + (uint64_t)(cfg.drain_timeout * 1e9);
        drained = 0;
        int healthy = 0;
        for (int i = 0; i < cfg.subs; i++)
            if (!conns[i].slow && (conns[i].state == C_READY || conns[i].resuming)) healthy++;
        while (mono_ns() < dl) {
            uint64_t got = 0;
            for (int i = 0; i < nth; i++) got += atomic_load(&th[i].received_healthy);
            /* Notifications a resume announced as lost ("recovered": false) never come. */
            for (int i = 0; i < cfg.subs; i++) got += *(volatile uint64_t *)&conns[i].announced_gaps;
            if (got >= (uint64_t)healthy * expected) {
                drained = 1;
                break;
            }
            usleep(5000);
        }
        drain_s = (double)(mono_ns() - d0) / 1e9;
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < nth; i++) pthread_join(th[i].th, NULL);

    /* Slow consumers: read what is left to learn whether the server closed them. */
    int slow_closed = 0, slow_1013 = 0, slow_open = 0, slow_eof = 0, slow_reset = 0;
    if (cfg.slow && cfg.duration > 0) {
        uint64_t sd = mono_ns() + 2000000000u;
        int pending = 1;
        while (pending && mono_ns() < sd) {
            pending = 0;
            for (int i = 0; i < cfg.subs; i++) {
                conn_t *c = &conns[i];
                if (!c->slow || c->state != C_READY) continue;
                subscriber_drain_slow(&th[i % nth], c);
                if (c->state == C_READY) pending = 1;
            }
            if (pending) usleep(20000);
        }
    }
    for (int i = 0; i < cfg.subs; i++) {
        conn_t *c = &conns[i];
        if (!c->slow) continue;
        if (c->state == C_CLOSED) {
            slow_closed++;
            if (c->close_code == 1013) slow_1013++;
            if (c->lost_how == 2) slow_eof++;
            if (c->lost_how == 3) slow_reset++;
        } else if (c->state == C_READY) {
            slow_open++;
        }
    }

    /* Check: every healthy subscriber got every notification of every publisher, in order, once. */
    uint64_t missing = 0, gaps = 0, dups = 0, delivered_window = 0, slow_received = 0, announced_gaps = 0;
    uint64_t error_frames = 0, fragmented = 0, closed_healthy = 0, resumes = 0, unrecovered = 0;
    int stuck_resuming = 0;
    int incomplete_subs = 0;
    for (int i = 0; i < cfg.subs; i++) {
        conn_t *c = &conns[i];
        if (c->slow || (c->state != C_READY && c->state != C_CLOSED && !c->resuming)) continue;
        if (c->resuming) stuck_resuming++;
        gaps += c->gaps;
        dups += c->dups;
        announced_gaps += c->announced_gaps;
        uint64_t miss = 0;
        for (int k = 0; k < cfg.pub_conns; k++)
            if (c->next[k] < pub[k].seq) miss += pub[k].seq - c->next[k];
        missing += miss;
        if (miss || c->gaps || c->dups) incomplete_subs++;
    }
    hdr_t *lat = malloc(sizeof(hdr_t)), *rtt = malloc(sizeof(hdr_t));
    hdr_init(lat);
    hdr_init(rtt);
    const char *first_error = "";
    for (int i = 0; i < nth; i++) {
        hdr_merge(lat, th[i].lat);
        delivered_window += th[i].delivered_window;
        slow_received += th[i].slow_received;
        error_frames += th[i].error_frames;
        fragmented += th[i].fragmented;
        closed_healthy += th[i].closed_after_ready;
        resumes += th[i].resumes;
        unrecovered += th[i].unrecovered;
        if (!*first_error && th[i].first_error[0]) first_error = th[i].first_error;
    }
    uint64_t accepted_window = 0;
    for (int k = 0; k < cfg.pub_conns && cfg.duration > 0; k++) {
        hdr_merge(rtt, pub[k].rtt);
        accepted_window += pub[k].accepted_window;
        if (!*first_error && pub[k].first_error[0]) first_error = pub[k].first_error;
    }
    for (int i = 0; i < cfg.subs; i++) {
        if (conns[i].fd >= 0) {
            struct linger lg = {1, 0}; /* reset: no TIME_WAIT pile-up across scenarios */
            setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close(conns[i].fd);
        }
    }
    int healthy_subs = ready - slow_made;
    int ok = failed == 0 && ready == cfg.subs && missing == 0 && gaps == 0 && dups == 0 && pub_errors == 0 &&
             closed_healthy == 0 && error_frames == 0 && fragmented == 0 && unrecovered == 0 && stuck_resuming == 0;
    double dur = cfg.duration;

    printf("{\"target\":\"%s\",\"scenario\":\"%s\"", cfg.target, cfg.scenario);
    put_kv("subs", cfg.subs, 0);
    put_kv("slow", slow_made, 0);
    put_kv("ready", ready, 0);
    put_kv("connect_failed", failed, 0);
    put_kv("connect_s", connect_s, 0);
    put_kv("server_cpu_connect_s", scpu1 - scpu0, 0);
    put_kv("loadgen_cpu_connect_s", lcpu1 - lcpu0, 0);
    put_kv("mem_rss0_kib", (double)mem_rss0, 0);
    put_kv("mem_pss0_kib", (double)mem_pss0, 0);
    if (cfg.idle_wait > 0) {
        put_kv("mem_rss1_kib", (double)mem_rss1, 0);
        put_kv("mem_pss1_kib", (double)mem_pss1, 0);
        put_kv("idle_kib_per_socket", ready ? ((double)mem_pss1 - (double)mem_pss0) / ready : 0, 0);
        put_kv("idle_rss_kib_per_socket", ready ? ((double)mem_rss1 - (double)mem_rss0) / ready : 0, 0);
    }
    if (dur > 0) {
        put_kv("rate_offered", cfg.rate, 0);
        put_kv("batch", cfg.batch, 0);
        put_kv("pub_conns", cfg.pub_conns, 0);
        put_kv("duration_s", dur, 0);
        put_kv("published", (double)published_total, 0);
        put_kv("publish_errors", (double)pub_errors, 0);
        put_kv("publish_per_s", (double)accepted_window / dur, 0);
        put_kv("deliveries", (double)delivered_window, 0);
        put_kv("deliveries_per_s", (double)delivered_window / dur, 0);
        put_kv("lat_count", (double)lat->total, 0);
        put_kv("lat_p50_ms", (double)hdr_percentile(lat, 50) / 1000, 0);
        put_kv("lat_p90_ms", (double)hdr_percentile(lat, 90) / 1000, 0);
        put_kv("lat_p99_ms", (double)hdr_percentile(lat, 99) / 1000, 0);
        put_kv("lat_p999_ms", (double)hdr_percentile(lat, 99.9) / 1000, 0);
        put_kv("lat_max_ms", (double)lat->max / 1000, 0);
        put_kv("pub_rtt_p50_ms", (double)hdr_percentile(rtt, 50) / 1000, 0);
        put_kv("pub_rtt_p99_ms", (double)hdr_percentile(rtt, 99) / 1000, 0);
        put_kv("server_cpu_s", scpu_b - scpu_a, 0);
        put_kv("server_cpu_pct", 100 * (scpu_b - scpu_a) / dur, 0);
        put_kv("loadgen_cpu_s", lcpu_b - lcpu_a, 0);
        put_kv("loadgen_cpu_pct", 100 * (lcpu_b - lcpu_a) / dur, 0);
        put_kv("machine_busy_pct", mtotal_b > mtotal_a ? 100.0 * (double)(mbusy_b - mbusy_a) / (double)(mtotal_b - mtotal_a) : 0, 0);
        put_kv("drained", drained, 0);
        put_kv("drain_s", drain_s, 0);
        put_kv("missing", (double)missing, 0);
        put_kv("gaps", (double)gaps, 0);
        put_kv("duplicates", (double)dups, 0);
        put_kv("incomplete_subscribers", incomplete_subs, 0);
        put_kv("healthy_subscribers", healthy_subs, 0);
        put_kv("healthy_closed", (double)closed_healthy, 0);
        put_kv("resumes", (double)resumes, 0);
        put_kv("resumes_unrecovered", (double)unrecovered, 0);
        put_kv("announced_gaps", (double)announced_gaps, 0);
        put_kv("stuck_resuming", (double)stuck_resuming, 0);
        put_kv("slow_closed", slow_closed, 0);
        put_kv("slow_closed_1013", slow_1013, 0);
        put_kv("slow_still_open", slow_open, 0);
        put_kv("slow_closed_eof", slow_eof, 0);
        put_kv("slow_closed_reset", slow_reset, 0);
        put_kv("slow_received", (double)slow_received, 0);
    }
    put_kv("error_frames", (double)error_frames, 0);
    printf(",\"ok\":%s,\"first_error\":\"%s\"}\n", ok ? "true" : "false", first_error);
    fflush(stdout);
    if (cfg.verbose)
        fprintf(stderr, "[%s/%s] ok=%d deliveries/s=%.0f p50=%.2fms p99=%.2fms missing=%llu gaps=%llu dups=%llu %s\n",
                cfg.target, cfg.scenario, ok, dur > 0 ? (double)delivered_window / dur : 0,
                (double)hdr_percentile(lat, 50) / 1000, (double)hdr_percentile(lat, 99) / 1000,
                (unsigned long long)missing, (unsigned long long)gaps, (unsigned long long)dups, first_error);
    return 0;
}
