/*
 * pbuf.h: an allocator for protobuf-c's unpack that tells a payload that
 * does not decode from a lack of memory. protobuf-c returns NULL for both;
 * the ledger's rules must refuse the first as a broken rule and report the
 * second as SJ_ENOMEM, or a daemon short of memory would call a good
 * entry bad (and a verifier blame it).
 *
 * Use: pbuf_reset(); m = suiji__x__unpack(&pbuf_allocator, len, data);
 * if m is NULL and pbuf_failed(), it was memory. Free with
 * free_unpacked(m, NULL) or the same allocator: it is malloc and free.
 * The flag is per thread.
 */
#ifndef SUIJI_COMMON_PBUF_H
#define SUIJI_COMMON_PBUF_H

#include <protobuf-c/protobuf-c.h>

extern ProtobufCAllocator pbuf_allocator;
void pbuf_reset(void);
/* 1 when an allocation through pbuf_allocator failed since pbuf_reset. */
int pbuf_failed(void);

#endif
