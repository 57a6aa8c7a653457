#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads /proc/<pid>/stat; the command name (field 2) may hold spaces, so parse after its ')'. */
static int read_stat(pid_t pid, pid_t *ppid, uint64_t *utime, uint64_t *stime) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    /* fields after ')': 3 state, 4 ppid, ... 14 utime, 15 stime */
    char state;
    int pp;
    unsigned long long ut = 0, st = 0;
    if (sscanf(p + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &pp, &ut, &st) != 4)
        return -1;
    if (ppid) *ppid = pp;
    if (utime) *utime = ut;
    if (stime) *stime = st;
    return 0;
}

void procset_add_tree(procset_t *set, pid_t pid) {
    if (set->count < PROC_MAX_PIDS) set->pids[set->count++] = pid;
    DIR *d = opendir("/proc");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long child = strtol(e->d_name, &end, 10);
        if (*end || child <= 0) continue;
        pid_t pp;
        if (read_stat((pid_t)child, &pp, NULL, NULL) == 0 && pp == pid && set->count < PROC_MAX_PIDS)
            set->pids[set->count++] = (pid_t)child;
    }
    closedir(d);
}

double procset_cpu_seconds(const procset_t *set) {
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t ticks = 0;
    for (int i = 0; i < set->count; i++) {
        uint64_t u, s;
        if (read_stat(set->pids[i], NULL, &u, &s) == 0) ticks += u + s;
    }
    return (double)ticks / (double)hz;
}

static uint64_t field_kib(const char *path, const char *key) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[256];
    size_t klen = strlen(key);
    uint64_t v = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0) {
            v = strtoull(line + klen, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

void procset_memory_kib(const procset_t *set, uint64_t *rss, uint64_t *pss) {
    *rss = *pss = 0;
    for (int i = 0; i < set->count; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/status", (int)set->pids[i]);
        *rss += field_kib(path, "VmRSS:");
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)set->pids[i]);
        *pss += field_kib(path, "Pss:");
    }
}

void machine_cpu_jiffies(uint64_t *busy, uint64_t *total) {
    *busy = *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return;
    unsigned long long v[10] = {0};
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &v[6], &v[7], &v[8], &v[9]) >= 8) {
        for (int i = 0; i < 8; i++) *total += v[i];
        *busy = *total - v[3] - v[4];
    }
    fclose(f);
}
