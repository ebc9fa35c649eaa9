/* pbuf.c: protobuf-c's allocator that remembers a failure (pbuf.h). */
#include "common/pbuf.h"

#include <stdlib.h>

static _Thread_local int failed;

static void *pbuf_alloc(void *data, size_t size)
{
	(void)data;
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		failed = 1;
	return p;
}

static void pbuf_free(void *data, void *p)
{
	(void)data;
	free(p);
}

ProtobufCAllocator pbuf_allocator = {pbuf_alloc, pbuf_free, NULL};

void pbuf_reset(void)
{
	failed = 0;
}

int pbuf_failed(void)
{
	return failed;
}
