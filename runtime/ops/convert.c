/* convert.c — element conversions between dtypes, used by Cast and by kernels that widen inputs.
 *
 * Float to integer conversions saturate (NaN gives 0), integer to integer conversions wrap as in numpy,
 * anything to bool tests for non-zero, and float16/bfloat16 go through float with round-to-nearest-even. */
#include <math.h>
#include <string.h>

#include "base/half.h"
#include "ops/kern.h"

bool kern_convertible(tensor_dtype dt)
{
    switch (dt) {
    case DT_FLOAT: case DT_DOUBLE: case DT_INT8: case DT_INT16: case DT_INT32: case DT_INT64:
    case DT_UINT8: case DT_UINT16: case DT_UINT32: case DT_UINT64: case DT_BOOL: case DT_FLOAT16:
    case DT_BFLOAT16:
        return true;
    default:
        return false;
    }
}

/* integer (and bool) sources: plain C conversion */
#define LOOP_PLAIN(ST, DT)                                                                                   \
    do {                                                                                                     \
        const ST *s_ = src;                                                                                  \
        DT *d_ = dst;                                                                                        \
        for (int64_t i = 0; i < n; i++)                                                                      \
            d_[i] = (DT)s_[i];                                                                               \
    } while (0)
/* floating sources into integers: saturate, NaN to 0 */
#define LOOP_SAT(ST, DT, LO, HI)                                                                             \
    do {                                                                                                     \
        const ST *s_ = src;                                                                                  \
        DT *d_ = dst;                                                                                        \
        for (int64_t i = 0; i < n; i++) {                                                                    \
            ST v_ = s_[i];                                                                                   \
            d_[i] = v_ != v_ ? (DT)0 : v_ >= (ST)(HI) ? (DT)(HI) : v_ <= (ST)(LO) ? (DT)(LO) : (DT)v_;       \
        }                                                                                                    \
    } while (0)
#define LOOP_BOOL(ST)                                                                                        \
    do {                                                                                                     \
        const ST *s_ = src;                                                                                  \
        uint8_t *d_ = dst;                                                                                   \
        for (int64_t i = 0; i < n; i++)                                                                      \
            d_[i] = s_[i] != 0;                                                                              \
    } while (0)

#define FROM_INT(ST)                                                                                         \
    switch (dt) {                                                                                            \
    case DT_FLOAT: LOOP_PLAIN(ST, float); return 0;                                                          \
    case DT_DOUBLE: LOOP_PLAIN(ST, double); return 0;                                                        \
    case DT_INT8: LOOP_PLAIN(ST, int8_t); return 0;                                                          \
    case DT_INT16: LOOP_PLAIN(ST, int16_t); return 0;                                                        \
    case DT_INT32: LOOP_PLAIN(ST, int32_t); return 0;                                                        \
    case DT_INT64: LOOP_PLAIN(ST, int64_t); return 0;                                                        \
    case DT_UINT8: LOOP_PLAIN(ST, uint8_t); return 0;                                                        \
    case DT_UINT16: LOOP_PLAIN(ST, uint16_t); return 0;                                                      \
    case DT_UINT32: LOOP_PLAIN(ST, uint32_t); return 0;                                                      \
    case DT_UINT64: LOOP_PLAIN(ST, uint64_t); return 0;                                                      \
    case DT_BOOL: LOOP_BOOL(ST); return 0;                                                                   \
    default: return -1;                                                                                      \
    }

#define FROM_FLOAT(ST)                                                                                       \
    switch (dt) {                                                                                            \
    case DT_FLOAT: LOOP_PLAIN(ST, float); return 0;                                                          \
    case DT_DOUBLE: LOOP_PLAIN(ST, double); return 0;                                                        \
    case DT_INT8: LOOP_SAT(ST, int8_t, INT8_MIN, INT8_MAX); return 0;                                        \
    case DT_INT16: LOOP_SAT(ST, int16_t, INT16_MIN, INT16_MAX); return 0;                                    \
    case DT_INT32: LOOP_SAT(ST, int32_t, INT32_MIN, INT32_MAX); return 0;                                    \
    case DT_INT64: LOOP_SAT(ST, int64_t, INT64_MIN, INT64_MAX); return 0;                                    \
    case DT_UINT8: LOOP_SAT(ST, uint8_t, 0, UINT8_MAX); return 0;                                            \
    case DT_UINT16: LOOP_SAT(ST, uint16_t, 0, UINT16_MAX); return 0;                                         \
    case DT_UINT32: LOOP_SAT(ST, uint32_t, 0, UINT32_MAX); return 0;                                         \
    case DT_UINT64: LOOP_SAT(ST, uint64_t, 0, UINT64_MAX); return 0;                                         \
    case DT_BOOL: LOOP_BOOL(ST); return 0;                                                                   \
    default: return -1;                                                                                      \
    }

static int convert_plain(const void *src, tensor_dtype st, void *dst, tensor_dtype dt, int64_t n)
{
    switch (st) {
    case DT_FLOAT: FROM_FLOAT(float)
    case DT_DOUBLE: FROM_FLOAT(double)
    case DT_INT8: FROM_INT(int8_t)
    case DT_INT16: FROM_INT(int16_t)
    case DT_INT32: FROM_INT(int32_t)
    case DT_INT64: FROM_INT(int64_t)
    case DT_UINT8: FROM_INT(uint8_t)
    case DT_BOOL: FROM_INT(uint8_t)
    case DT_UINT16: FROM_INT(uint16_t)
    case DT_UINT32: FROM_INT(uint32_t)
    case DT_UINT64: FROM_INT(uint64_t)
    default: return -1;
    }
}

int kern_convert(const void *src, tensor_dtype st, void *dst, tensor_dtype dt, int64_t n)
{
    if (!kern_convertible(st) || !kern_convertible(dt))
        return -1;
    if (st == dt) {
        memcpy(dst, src, (size_t)n * tensor_dtype_size(st));
        return 0;
    }
    bool half_in = st == DT_FLOAT16 || st == DT_BFLOAT16, half_out = dt == DT_FLOAT16 || dt == DT_BFLOAT16;
    if (!half_in && !half_out)
        return convert_plain(src, st, dst, dt, n);
    /* 16-bit floats go through float, a chunk at a time */
    enum { CHUNK = 1024 };
    float buf[CHUNK];
    size_t ses = tensor_dtype_size(st), des = tensor_dtype_size(dt);
    for (int64_t i = 0; i < n; i += CHUNK) {
        int64_t m = n - i < CHUNK ? n - i : CHUNK;
        const void *s = (const char *)src + (size_t)i * ses;
        void *d = (char *)dst + (size_t)i * des;
        if (st == DT_FLOAT16)
            for (int64_t j = 0; j < m; j++)
                buf[j] = half_to_float(((const uint16_t *)s)[j]);
        else if (st == DT_BFLOAT16)
            for (int64_t j = 0; j < m; j++)
                buf[j] = half_bf16_to_float(((const uint16_t *)s)[j]);
        else if (convert_plain(s, st, buf, DT_FLOAT, m))
            return -1;
        if (dt == DT_FLOAT16)
            for (int64_t j = 0; j < m; j++)
                ((uint16_t *)d)[j] = half_from_float(buf[j]);
        else if (dt == DT_BFLOAT16)
            for (int64_t j = 0; j < m; j++)
                ((uint16_t *)d)[j] = half_bf16_from_float(buf[j]);
        else if (convert_plain(buf, DT_FLOAT, d, dt, m))
            return -1;
    }
    return 0;
}
