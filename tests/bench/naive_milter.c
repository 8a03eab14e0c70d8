/*
 * naive_milter.c — the baseline of `make bench`: a do-nothing libmilter
 * filter written the way simple milters are.  It registers every callback,
 * so the MTA sends every stage (CONNECT, HELO, MAIL, RCPT, DATA, each
 * header, end of headers, each body chunk, unknown commands) and waits for
 * a reply to each; every stage answers SMFIS_CONTINUE, end of message
 * answers SMFIS_ACCEPT.  No negotiate callback: libmilter asks for what the
 * callbacks cover and for replies to all of them.
 *
 * Built only by tests/bench/run.sh, never by the product build:
 *   cc -O2 -o build/bench/naive-milter tests/bench/naive_milter.c -lmilter -lpthread
 *   build/bench/naive-milter inet:PORT@127.0.0.1
 */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_helo(SMFICTX *ctx, char *helo)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_envfrom(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_envrcpt(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_data(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_eoh(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_eom(SMFICTX *ctx)
{
	return SMFIS_ACCEPT;
}

static sfsistat
nm_abort(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_close(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_unknown(SMFICTX *ctx, const char *cmd)
{
	return SMFIS_CONTINUE;
}

static struct smfiDesc naive_desc = {
	.xxfi_name = "naive-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = 0,
	.xxfi_connect = nm_connect,
	.xxfi_helo = nm_helo,
	.xxfi_envfrom = nm_envfrom,
	.xxfi_envrcpt = nm_envrcpt,
	.xxfi_header = nm_header,
	.xxfi_eoh = nm_eoh,
	.xxfi_body = nm_body,
	.xxfi_eom = nm_eom,
	.xxfi_abort = nm_abort,
	.xxfi_close = nm_close,
	.xxfi_unknown = nm_unknown,
	.xxfi_data = nm_data,
};

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: naive-milter SOCKET (e.g. inet:8891@127.0.0.1)\n");
		return 1;
	}
	if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(naive_desc) == MI_FAILURE ||
	    smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "naive-milter: cannot listen on %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
