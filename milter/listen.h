/*
 * listen.h — open the milter socket as root, before the switch.
 *
 * libmilter's smfi_opensocket() binds the socket now (rather than in
 * smfi_main), so a port below 1024 or a socket in a root-owned directory
 * works, and a bad or busy socket is an error before the daemon detaches.
 * A unix socket is then given to the daemon's user, with [milter]
 * socket_group (else the daemon's group) and socket_mode, so that the
 * MTA's user (postfix) can reach it; the daemon's user can remove it at
 * exit when it owns the directory (e.g. /run/dlp-milter/, made for it when
 * missing).
 */
#ifndef DLP_LISTEN_H
#define DLP_LISTEN_H

#include <stddef.h>

struct conf;
struct priv_id;

/* The file of a unix socket spec ("unix:/p", "local:/p" or "/p") into
 * buf; 0, or -1 when spec is not a unix socket. */
int listen_unix_path(const char *spec, char *buf, size_t len);
/* smfi_setconn(spec), register the filter, set the timeout, open the
 * socket; then a unix socket's owner (owner->uid), group and mode as
 * above.  0, or -1 with err. */
int listen_open(const char *spec, const struct conf *cf, const struct priv_id *owner,
    char *err, size_t errlen);

#endif
