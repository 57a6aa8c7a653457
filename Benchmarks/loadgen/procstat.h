/* CPU time and memory of the server under test, read from /proc: a set of PIDs plus their direct
 * children (nginx's workers), so multi-process servers are measured whole. */
#ifndef LOADGEN_PROCSTAT_H
#define LOADGEN_PROCSTAT_H
#include <stdint.h>
#include <sys/types.h>

#define PROC_MAX_PIDS 64

typedef struct procset {
    pid_t pids[PROC_MAX_PIDS];
    int count;
} procset_t;

/* Adds pid and its direct children (found by scanning /proc for that parent). */
void procset_add_tree(procset_t *set, pid_t pid);
/* utime + stime of every process of the set, in seconds. */
double procset_cpu_seconds(const procset_t *set);
/* Sums of VmRSS and Pss (proportional set size: shared pages split among their users) in KiB. */
void procset_memory_kib(const procset_t *set, uint64_t *rss, uint64_t *pss);

/* Machine-wide jiffies from /proc/stat: busy (everything but idle and iowait) and total. */
void machine_cpu_jiffies(uint64_t *busy, uint64_t *total);

#endif
