// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Batches of jobs on POSIX threads (parallel.h).

#include "common/parallel.h"

#include <pthread.h>
#include <unistd.h>

#define MAX_BATCH 64

typedef struct Worker {
    void (*fn)(void *job);
    void *job;
} Worker;

static void *run_worker(void *arg)
{
    Worker *w = arg;
    w->fn(w->job);
    return NULL;
}

int imz_thread_count(const ImzContext *ctx)
{
    int threads = ctx->n_threads;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    return threads < MAX_BATCH ? threads : MAX_BATCH;
}

void imz_parallel_run(ImzContext *ctx, void *jobs, size_t job_size, int n, void (*fn)(void *job))
{
    int threads = imz_thread_count(ctx);
    unsigned char *base = jobs;
    if (threads <= 1 || n <= 1) {
        for (int i = 0; i < n; i++)
            fn(base + (size_t)i * job_size);
        return;
    }
    /* Up to `threads` jobs at a time; the caller's thread takes the first of each batch. */
    pthread_t tid[MAX_BATCH];
    Worker w[MAX_BATCH];
    int started[MAX_BATCH];
    for (int b = 0; b < n; b += threads) {
        int e = b + threads < n ? b + threads : n;
        for (int i = b + 1; i < e; i++) {
            w[i - b].fn = fn;
            w[i - b].job = base + (size_t)i * job_size;
            started[i - b] = pthread_create(&tid[i - b], NULL, run_worker, &w[i - b]) == 0;
        }
        fn(base + (size_t)b * job_size);
        for (int i = b + 1; i < e; i++) {
            if (started[i - b])
                pthread_join(tid[i - b], NULL);
            else
                fn(base + (size_t)i * job_size);
        }
    }
}

void imz_latch_init(ImzLatch *l)
{
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    l->open = l->ok = 0;
}

void imz_latch_destroy(ImzLatch *l)
{
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
}

void imz_latch_open(ImzLatch *l, int ok)
{
    pthread_mutex_lock(&l->mu);
    if (!l->open) {
        l->open = 1;
        l->ok = ok;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
}

int imz_latch_wait(ImzLatch *l)
{
    pthread_mutex_lock(&l->mu);
    while (!l->open)
        pthread_cond_wait(&l->cv, &l->mu);
    int ok = l->ok;
    pthread_mutex_unlock(&l->mu);
    return ok;
}
