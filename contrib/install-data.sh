#!/bin/sh
# make install's data part: the production config (from the source tree's
# config/dlp-milter.conf, with the installed paths and account), the notice
# templates, and var_dir.  An existing config or template is never
# overwritten.  Without DESTDIR and as root, the system user is created
# when missing and given var_dir; the Debian package's postinst does that
# instead.
#
# Environment: DESTDIR, CONFDIR (/etc/dlp-milter), VARDIR
# (/var/lib/dlp-milter), RUNDIR (/run/dlp-milter), DLP_USER (dlp-milter).
set -eu
: "${DESTDIR=}" "${CONFDIR:=/etc/dlp-milter}" "${VARDIR:=/var/lib/dlp-milter}"
: "${RUNDIR:=/run/dlp-milter}" "${DLP_USER:=dlp-milter}"
src=$(dirname "$0")/..

# The installed config: the shipped one with five lines set.  Every one of
# them must be found, so that the two files cannot drift apart unnoticed.
production_conf() {
	sed -e "s|^var_dir *=.*|var_dir = $VARDIR|" \
	    -e "s|^user *=.*|user = $DLP_USER|" \
	    -e "s|^group *=.*|group = $DLP_USER|" \
	    -e "s|^pidfile *=.*|pidfile = $RUNDIR/dlp-milter.pid|" \
	    -e "s|^templates *=.*|templates = .|" \
	    -e "1i # Installed from the source tree's config/dlp-milter.conf with var_dir, user,\n# group, pidfile and templates set for a system service.  Check it with\n# dlp-milter -n; reload with systemctl reload dlp-milter (or kill -HUP).\n#" \
	    "$src/config/dlp-milter.conf"
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
production_conf >"$tmp"
for want in "var_dir = $VARDIR" "user = $DLP_USER" "group = $DLP_USER" \
    "pidfile = $RUNDIR/dlp-milter.pid" "templates = ."; do
	if ! grep -qx "$want" "$tmp"; then
		echo "install: config/dlp-milter.conf has no line for '$want'" >&2
		exit 1
	fi
done

install -d -m 0755 "$DESTDIR$CONFDIR"
if [ -e "$DESTDIR$CONFDIR/dlp-milter.conf" ]; then
	echo "install: kept the existing $DESTDIR$CONFDIR/dlp-milter.conf (new one: dlp-milter.conf.new)"
	install -m 0644 "$tmp" "$DESTDIR$CONFDIR/dlp-milter.conf.new"
else
	install -m 0644 "$tmp" "$DESTDIR$CONFDIR/dlp-milter.conf"
fi
for t in "$src"/config/notice-*.txt; do
	dst="$DESTDIR$CONFDIR/$(basename "$t")"
	if [ -e "$dst" ]; then
		echo "install: kept the existing $dst"
	else
		install -m 0644 "$t" "$dst"
	fi
done

install -d -m 0700 "$DESTDIR$VARDIR"
if [ -n "$DESTDIR" ] || [ "$(id -u)" -ne 0 ]; then
	echo "install: create the system user $DLP_USER and give it $VARDIR (chown -R $DLP_USER: $VARDIR)"
	exit 0
fi
if ! getent passwd "$DLP_USER" >/dev/null; then
	if command -v adduser >/dev/null; then
		adduser --system --group --home "$VARDIR" --no-create-home --quiet "$DLP_USER"
	else
		useradd --system --user-group --home-dir "$VARDIR" --shell /usr/sbin/nologin "$DLP_USER"
	fi
	echo "install: created the system user $DLP_USER"
fi
chown "$DLP_USER:" "$VARDIR"
chmod 0700 "$VARDIR"
