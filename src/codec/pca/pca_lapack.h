// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The two LAPACK routines the pca encoder needs, resolved from the system's LAPACKE on first use.
// Only the pca encoder (and `imz analyze`'s spectrum) needs linear algebra; loading LAPACKE and
// OpenBLAS at start-up would cost every other run of the library a few milliseconds of dynamic
// linking and a pool of idle BLAS threads.

#ifndef IMZ_PCA_LAPACK_H
#define IMZ_PCA_LAPACK_H

#include <lapacke.h>

#include "common/context.h"

typedef struct ImzLapack {
    lapack_int (*dgesdd)(int layout, char jobz, lapack_int m, lapack_int n, double *a,
                         lapack_int lda, double *s, double *u, lapack_int ldu, double *vt,
                         lapack_int ldvt);
    lapack_int (*dposv)(int layout, char uplo, lapack_int n, lapack_int nrhs, double *a,
                        lapack_int lda, double *b, lapack_int ldb);
} ImzLapack;

/* The routines, loaded on the first call, with BLAS limited to the context's thread count.
 * Fails with IMZ_ERR_UNSUPPORTED, naming the library, when LAPACKE cannot be loaded. */
int imz_pca_lapack(ImzContext *ctx, const ImzLapack **out);

#endif
