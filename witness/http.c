/*
 * http.c: the witness's HTTP server on h2o and libuv (http.h).
 *
 * h2o is used as a library in its libuv build (Debian's libh2o): it parses
 * HTTP/1.1 and HTTP/2, bounds the request body (max_request_entity_size)
 * and frames the answers, so the witness's own code starts at a complete,
 * bounded request body.
 */
#include "witness/http.h"

#include <h2o.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "witness/addckpt.h"

struct server {
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	uv_loop_t loop;
	uv_tcp_t listener;
	uv_signal_t sigint, sigterm;
	const struct whttp_opts *o;
};

/* h2o hands the handler only its own struct; one server per process. */
static struct server *the_server;

static int on_add_checkpoint(h2o_handler_t *self, h2o_req_t *req)
{
	const struct whttp_opts *o = the_server->o;
	struct addckpt_reply *r;
	char *body;
	size_t blen;

	(void)self;
	if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"))) {
		h2o_send_error_405(req, "Method Not Allowed", "add-checkpoint takes POST\n", 0);
		return 0;
	}
	if ((r = malloc(sizeof *r)) == NULL) {
		h2o_send_error_500(req, "Internal Server Error", "out of memory\n", 0);
		return 0;
	}
	addckpt_handle(r, o->logs, o->nlogs, o->dir, o->key, (uint64_t)time(NULL),
	               req->entity.base ? req->entity.base : "", req->entity.len);
	fprintf(stderr, "suiji-witness: %d: %s\n", r->status, r->why);
	blen = strlen(r->body);
	body = h2o_mem_alloc_pool(&req->pool, blen + 1);
	memcpy(body, r->body, blen + 1);
	req->res.status = r->status;
	req->res.reason = r->status == 200   ? "OK"
	                  : r->status == 400 ? "Bad Request"
	                  : r->status == 403 ? "Forbidden"
	                  : r->status == 404 ? "Not Found"
	                  : r->status == 409 ? "Conflict"
	                  : r->status == 422 ? "Unprocessable Entity"
	                                     : "Internal Server Error";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, r->content_type,
	               strlen(r->content_type));
	free(r);
	h2o_send_inline(req, body, blen);
	return 0;
}

static void on_accept(uv_stream_t *listener, int status)
{
	uv_tcp_t *conn;
	h2o_socket_t *sock;

	if (status != 0)
		return;
	conn = h2o_mem_alloc(sizeof *conn);
	uv_tcp_init(listener->loop, conn);
	if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
		uv_close((uv_handle_t *)conn, (uv_close_cb)free);
		return;
	}
	sock = h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free);
	h2o_accept(&the_server->accept_ctx, sock);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	uv_stop(h->loop);
}

static int listen_on(struct server *sv, const char *spec, char *err, size_t err_cap)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	char host[64];
	const char *colon = strrchr(spec, ':');
	int namelen = sizeof ss, port;
	char *end;
	long p;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof host) {
		snprintf(err, err_cap, "listen address \"%s\" is not IPv4:PORT", spec);
		return SJ_EINVAL;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || p < 0 || p > 65535 ||
	    uv_ip4_addr(host, (int)p, sin) != 0) {
		snprintf(err, err_cap, "listen address \"%s\" is not IPv4:PORT", spec);
		return SJ_EINVAL;
	}
	uv_tcp_init(&sv->loop, &sv->listener);
	if (uv_tcp_bind(&sv->listener, (struct sockaddr *)sin, 0) != 0 ||
	    uv_listen((uv_stream_t *)&sv->listener, 128, on_accept) != 0 ||
	    uv_tcp_getsockname(&sv->listener, (struct sockaddr *)&ss, &namelen) != 0) {
		snprintf(err, err_cap, "cannot listen on %s", spec);
		return SJ_EIO;
	}
	port = ntohs(sin->sin_port);
	printf("listening on http://%s:%d\n", host, port);
	fflush(stdout);
	return SJ_OK;
}

static void close_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int whttp_serve(const struct whttp_opts *o, char *err, size_t err_cap)
{
	struct server *sv = calloc(1, sizeof *sv);
	h2o_hostconf_t *host;
	h2o_pathconf_t *path;
	h2o_handler_t *handler;
	int rc;

	if (sv == NULL) {
		snprintf(err, err_cap, "out of memory");
		return SJ_ENOMEM;
	}
	sv->o = o;
	the_server = sv;
	h2o_config_init(&sv->config);
	sv->config.max_request_entity_size = ADDCKPT_MAX_BODY;
	host = h2o_config_register_host(&sv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	path = h2o_config_register_path(host, "/add-checkpoint", 0);
	handler = h2o_create_handler(path, sizeof *handler);
	handler->on_req = on_add_checkpoint;
	uv_loop_init(&sv->loop);
	h2o_context_init(&sv->ctx, &sv->loop, &sv->config);
	sv->accept_ctx.ctx = &sv->ctx;
	sv->accept_ctx.hosts = sv->config.hosts;
	rc = listen_on(sv, o->listen, err, err_cap);
	if (rc == SJ_OK) {
		uv_signal_init(&sv->loop, &sv->sigint);
		uv_signal_init(&sv->loop, &sv->sigterm);
		uv_signal_start(&sv->sigint, on_signal, SIGINT);
		uv_signal_start(&sv->sigterm, on_signal, SIGTERM);
		uv_run(&sv->loop, UV_RUN_DEFAULT);
	}
	/* h2o's context owns timers on the loop: dispose of it, then close
	 * whatever handles remain and let their callbacks run. */
	h2o_context_dispose(&sv->ctx);
	uv_walk(&sv->loop, close_cb, NULL);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	uv_loop_close(&sv->loop);
	h2o_config_dispose(&sv->config);
	the_server = NULL;
	free(sv);
	return rc;
}
