// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Loads LAPACKE with dlopen the first time the pca encoder needs it (see pca_lapack.h for why).
// The resolved table is process-wide, as the loaded library is; it is written once, under
// pthread_once, and only read afterwards.

#include "codec/pca/pca_lapack.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "common/parallel.h"

/* Debian's run-time name first, then the development link. */
static const char *const lapacke_names[] = {"liblapacke.so.3", "liblapacke.so"};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static ImzLapack table;
static int loaded;
static char load_error[160];
/* OpenBLAS's thread-count setter, when the LAPACK below LAPACKE is OpenBLAS. */
static void (*blas_set_threads)(int);

static void load(void)
{
    void *lib = NULL;
    for (size_t i = 0; i < sizeof lapacke_names / sizeof *lapacke_names && !lib; i++)
        lib = dlopen(lapacke_names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "%s", why ? why : lapacke_names[0]);
        return;
    }
    /* ISO C has no conversion from void * to a function pointer; POSIX's dlsym rationale
     * prescribes storing through a void ** instead. */
    *(void **)&table.dgesdd = dlsym(lib, "LAPACKE_dgesdd");
    *(void **)&table.dposv = dlsym(lib, "LAPACKE_dposv");
    *(void **)&blas_set_threads = dlsym(lib, "openblas_set_num_threads");
    if (!table.dgesdd || !table.dposv) {
        snprintf(load_error, sizeof load_error, "%s lacks LAPACKE_dgesdd or LAPACKE_dposv",
                 lapacke_names[0]);
        return;
    }
    loaded = 1;
}

int imz_pca_lapack(ImzContext *ctx, const ImzLapack **out)
{
    pthread_once(&load_once, load);
    if (!loaded)
        return imz_fail(ctx, IMZ_ERR_UNSUPPORTED, "pca: LAPACK not available (%s)", load_error);
    if (blas_set_threads)
        blas_set_threads(imz_thread_count(ctx));
    *out = &table;
    return IMZ_OK;
}
