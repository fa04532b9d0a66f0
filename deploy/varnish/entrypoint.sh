#!/bin/sh
# The edge image's entrypoint: writes the site include that quire.vcl needs
# (quire-site.vcl: backends, health probes, purge secret) from the template
# QUIRE_EDGE_SITE names (compose: the one web; scale: both webs), with
# QUIRE_EDGE_PURGE_SECRET (or the secrets volume's edge-purge-secret) in place of its placeholder, then runs varnishd in
# the foreground. VCL cannot read the environment, hence the copy; it lives
# under /tmp so the secret is never baked into the image.
set -eu

die() {
  echo "quire-varnish: $*" >&2
  exit 1
}

site=${QUIRE_EDGE_SITE:-compose}
template=/etc/varnish/quire-site.$site.vcl
[ -f "$template" ] || die "no site file $template (QUIRE_EDGE_SITE is compose or scale)"

secret=${QUIRE_EDGE_PURGE_SECRET:-}
# Else the one the `init` service made for the web replicas and the edge.
secret_file="${QUIRE_SECRETS_DIR:-}/edge-purge-secret"
if [ -z "$secret" ] && [ -n "${QUIRE_SECRETS_DIR:-}" ] && [ -s "$secret_file" ]; then
  secret=$(cat "$secret_file")
fi
[ -n "$secret" ] || die "QUIRE_EDGE_PURGE_SECRET is empty: set it (the web's QUIRE_EDGE_PURGE_SECRET, at least 16 characters) so that purges can be authenticated"
# The same rule as scripts/lib/varnish.mjs: characters that need no quoting in
# a VCL string or in the sed expression below.
case $secret in
  *[!A-Za-z0-9._~+/=-]*) die "QUIRE_EDGE_PURGE_SECRET may contain only letters, digits and . _ ~ + / = -" ;;
esac
[ "${#secret}" -ge 16 ] || die "QUIRE_EDGE_PURGE_SECRET must be at least 16 characters"

dir=/tmp/quire-vcl
mkdir -p "$dir"
umask 027
sed "s|@QUIRE_EDGE_PURGE_SECRET@|$secret|g" "$template" >"$dir/quire-site.vcl.new"
# varnishd compiles VCL as its unprivileged user (-j unix): let it read, no one else.
if getent group varnish >/dev/null 2>&1; then
  chgrp varnish "$dir" "$dir/quire-site.vcl.new"
  chmod 0750 "$dir"
fi
mv "$dir/quire-site.vcl.new" "$dir/quire-site.vcl"

# Backend names are resolved when the VCL is compiled: a replica whose
# container is not up yet would stop the edge from starting. Wait a bounded
# time for each; varnishd then says which one failed, and the restart policy
# tries again.
wait_seconds=${QUIRE_EDGE_RESOLVE_TIMEOUT:-60}
for host in $(sed -n 's/^[[:space:]]*\.host[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$dir/quire-site.vcl"); do
  waited=0
  until getent hosts "$host" >/dev/null 2>&1; do
    if [ "$waited" -ge "$wait_seconds" ]; then
      echo "quire-varnish: backend host $host does not resolve after ${wait_seconds}s; starting anyway" >&2
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
done

exec varnishd -F -a :80 -f /etc/varnish/quire.vcl -p vcl_path="$dir":/etc/varnish -s "malloc,${VARNISH_CACHE_SIZE:-256m}"
