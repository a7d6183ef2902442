// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Runs independent jobs on the context's threads: the one place the library creates threads.
// Jobs must not share mutable state; each reports its own status.

#ifndef IMZ_COMMON_PARALLEL_H
#define IMZ_COMMON_PARALLEL_H

#include "common/context.h"

/** Threads the context allows (its setting, or the number of online processors if 0). */
int imz_thread_count(const ImzContext *ctx);

/**
 * Calls fn(jobs + i * job_size) for i in [0, n), at most imz_thread_count(ctx) at a time, and
 * returns when all have run. A thread that cannot be created runs its job on the caller's thread.
 */
void imz_parallel_run(ImzContext *ctx, void *jobs, size_t job_size, int n, void (*fn)(void *job));

#endif
