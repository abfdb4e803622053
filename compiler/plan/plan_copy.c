/* plan_copy.c — a malloc'd deep copy of an arena-built plan, freeable by protobuf-c's free_unpacked.
 *
 * Walks the message descriptors instead of packing and unpacking: the copy of a 100,000-line recipe's plan
 * then costs one malloc per string and message, without encoding 10 MB and parsing it back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

static void *must_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "qrc: out of memory copying the plan (%zu bytes)\n", n);
        abort();
    }
    return p;
}

static void *dup_bytes(const void *src, size_t n)
{
    void *p = must_alloc(n);
    if (n)
        memcpy(p, src, n);
    return p;
}

/* Size of one element of a repeated field of type t. */
static size_t element_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default:
        return 4;
    }
}

static ProtobufCMessage *copy_message(const ProtobufCMessage *m);

/* Replaces the shallow value at v (a field or an element of type f->type) by its own copy. Values equal to
 * the field's default stay shared: free_unpacked never frees those. */
static void deepen(const ProtobufCFieldDescriptor *f, void *v, bool repeated)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char **s = v;
        if (*s && (repeated || *s != f->default_value))
            *s = dup_bytes(*s, strlen(*s) + 1);
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *b = v;
        const ProtobufCBinaryData *def = f->default_value;
        if (b->data && (repeated || !def || def->data != b->data))
            b->data = dup_bytes(b->data, b->len);
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage **sm = v;
        if (*sm && (repeated || *sm != f->default_value))
            *sm = copy_message(*sm);
    }
}

static ProtobufCMessage *copy_message(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    ProtobufCMessage *c = dup_bytes(m, d->sizeof_message);
    c->n_unknown_fields = 0;   /* a built plan has none; keeping them would share their buffers */
    c->unknown_fields = NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *field = (char *)c + f->offset;
        const char *quantifier = (const char *)m + f->quantifier_offset;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const uint32_t *)quantifier != f->id)
            continue;   /* another member of the oneof is set: this one's bytes are not its own */
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            deepen(f, field, false);
            continue;
        }
        size_t n = *(const size_t *)quantifier, size = element_size(f->type);
        void **arr = (void **)field;
        if (!n || !*arr) {
            *arr = NULL;
            *(size_t *)((char *)c + f->quantifier_offset) = 0;
            continue;
        }
        *arr = dup_bytes(*arr, n * size);
        for (size_t k = 0; k < n; k++)
            deepen(f, (char *)*arr + k * size, true);
    }
    return c;
}

Qrc__Plan *plan_copy(const Qrc__Plan *plan, qrc_err *e)
{
    if (!protobuf_c_message_check(&plan->base)) {
        err_set(e, "internal error: the plan misses a required field");
        return NULL;
    }
    return (Qrc__Plan *)copy_message(&plan->base);
}
