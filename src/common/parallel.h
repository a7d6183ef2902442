// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Runs independent jobs on the context's threads: the one place the library creates threads.
// Jobs share no mutable state except through a latch; each reports its own status.

#ifndef IMZ_COMMON_PARALLEL_H
#define IMZ_COMMON_PARALLEL_H

#include <pthread.h>

#include "common/context.h"

/** Threads the context allows (its setting, or the number of online processors if 0). */
int imz_thread_count(const ImzContext *ctx);

/**
 * Calls fn(jobs + i * job_size) for i in [0, n), at most imz_thread_count(ctx) at a time, and
 * returns when all have run. A thread that cannot be created runs its job on the caller's thread.
 */
void imz_parallel_run(ImzContext *ctx, void *jobs, size_t job_size, int n, void (*fn)(void *job));

/**
 * A one-shot signal from one job to later jobs of the same imz_parallel_run: opened once, with
 * a result, and waited on by any number of jobs. A job may wait only on a latch that an earlier
 * job (lower index) opens, and that job must open it on every path, failures included: then
 * imz_parallel_run cannot deadlock, whether or not its threads could be created.
 */
typedef struct ImzLatch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open, ok;
} ImzLatch;

void imz_latch_init(ImzLatch *l);
void imz_latch_destroy(ImzLatch *l);
/** Opens the latch with a result (non-zero: what it guards is ready). Later calls do nothing. */
void imz_latch_open(ImzLatch *l, int ok);
/** Blocks until the latch is open. @return the result it was opened with. */
int imz_latch_wait(ImzLatch *l);

#endif
