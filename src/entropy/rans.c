// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Frequency tables of the static rANS coder (rans.h): scaling a histogram to the coder's fixed
// total, and a compact adaptive code for the tables themselves, which are sent in the stream.

#include "entropy/rans.h"

#include "common/intops.h"

void imz_rans_normalize(const uint32_t *counts, int n, ImzRansSym *out)
{
    uint64_t total = 0;
    int biggest = 0;
    for (int s = 0; s < n; s++) {
        total += counts[s];
        if (counts[s] > counts[biggest])
            biggest = s;
    }
    if (total == 0) {
        for (int s = 0; s < n; s++)
            out[s].freq = 0;
        out[0].freq = IMZ_RANS_SCALE;
    } else {
        /* Rounded shares, at least 1 each; the rounding error goes to (or comes from) the
         * largest symbols, whose relative cost of a change is smallest. */
        int32_t sum = 0;
        for (int s = 0; s < n; s++) {
            uint32_t f = 0;
            if (counts[s]) {
                f = (uint32_t)(((uint64_t)counts[s] * IMZ_RANS_SCALE + total / 2) / total);
                f = f ? f : 1;
            }
            out[s].freq = (uint16_t)f;
            sum += (int32_t)f;
        }
        int32_t diff = (int32_t)IMZ_RANS_SCALE - sum;
        if (diff > 0) {
            out[biggest].freq = (uint16_t)(out[biggest].freq + diff);
        } else {
            while (diff < 0) {
                /* take from the currently largest frequency above 1 */
                int m = -1;
                for (int s = 0; s < n; s++)
                    if (out[s].freq > 1 && (m < 0 || out[s].freq > out[m].freq))
                        m = s;
                int32_t take = imin(-diff, imax(1, out[m].freq / 8));
                take = imin(take, out[m].freq - 1);
                out[m].freq = (uint16_t)(out[m].freq - take);
                diff += take;
            }
        }
    }
    uint32_t cum = 0;
    for (int s = 0; s < n; s++) {
        out[s].cum = (uint16_t)cum;
        cum += out[s].freq;
    }
}

/* The table code: the index of the last symbol with a nonzero frequency (6 raw bits); for each
 * symbol before it, a flag "frequency is nonzero" (cell per symbol) and then f - 1 < 2^12 as an
 * exponent k = bit length of f - 1 in unary (cells chosen by the previous frequency's exponent)
 * followed by the k - 1 bits below the leading one (raw). The last symbol's frequency is whatever
 * remains of the total. Cells: [0, 64) the flags, then 14 x 14 exponent cells. */
void imz_rans_put_table(ImzBacEnc *e, ImzBacCell *cells, const ImzRansSym *sym, int n)
{
    int last = 0;
    for (int s = 0; s < n; s++)
        if (sym[s].freq)
            last = s;
    imz_bac_enc_raw(e, (uint32_t)last, 6);
    int prev = 13;
    for (int s = 0; s < last; s++) {
        imz_bac_put(e, &cells[s], sym[s].freq != 0);
        if (!sym[s].freq)
            continue;
        uint32_t v = sym[s].freq - 1u;
        int k = v ? (int)ulog2(v) + 1 : 0; /* 0..12 */
        ImzBacCell *ec = cells + IMZ_RANS_MAX_SYMS + prev * 14;
        for (int i = 0; i < k; i++)
            imz_bac_put(e, &ec[i], 1);
        imz_bac_put(e, &ec[k], 0);
        if (k > 1)
            imz_bac_enc_raw(e, v & ((1u << (k - 1)) - 1), k - 1);
        prev = k;
    }
}

int imz_rans_get_table(ImzBacDec *d, ImzBacCell *cells, int n, ImzRansTable *t)
{
    int last = (int)imz_bac_dec_raw(d, 6);
    if (last >= n)
        return -1;
    int prev = 13;
    uint32_t sum = 0;
    for (int s = 0; s < n; s++)
        t->sym[s].freq = 0;
    for (int s = 0; s < last; s++) {
        if (!imz_bac_get(d, &cells[s]))
            continue;
        ImzBacCell *ec = cells + IMZ_RANS_MAX_SYMS + prev * 14;
        int k = 0;
        while (k < 13 && imz_bac_get(d, &ec[k]))
            k++;
        if (k > 12)
            return -1;
        uint32_t v = k ? 1u << (k - 1) : 0;
        if (k > 1)
            v |= imz_bac_dec_raw(d, k - 1);
        t->sym[s].freq = (uint16_t)(v + 1);
        sum += v + 1;
        if (sum >= IMZ_RANS_SCALE)
            return -1;
        prev = k;
    }
    t->sym[last].freq = (uint16_t)(IMZ_RANS_SCALE - sum);
    uint32_t cum = 0;
    for (int s = 0; s < n; s++) {
        t->sym[s].cum = (uint16_t)cum;
        for (uint32_t i = 0; i < t->sym[s].freq; i++)
            t->slot_sym[cum + i] = (uint8_t)s;
        cum += t->sym[s].freq;
    }
    return 0;
}
