vcl 4.1;

# Quire's HTTP edge: Varnish (7.1, with varnish-modules' xkey) in front of the
# Next.js web.
#
# The web decides what may be cached: a page it can invalidate carries an
# `xkey` header listing its cache tags, and when content changes the web
# purges those tags here (web/lib/edge/purger.ts). Pages without tags are
# never kept, since nothing could ever purge them. Everything else (who is
# signed in, drafts, Server Actions) passes through untouched.
#
# Purge API (answered here, never forwarded to the web):
#   PURGE  + `xkey-purge: <tag> <tag> ...`  drops every object with any of the
#          tags: 200, the count in `X-Quire-Purged` and in the body.
#   BAN    drops everything: 200.
#   Both need `X-Quire-Purge-Secret: <secret>`, else 403.
#
# This file names no backend and holds no secret: it includes quire-site.vcl,
# found on varnishd's `-p vcl_path=...`, which must define
#   sub quire_backend        { set req.backend_hint = ...; }
#   sub quire_purge_allowed  { if (req.http.X-Quire-Purge-Secret == "...") {
#                                set req.http.X-Quire-Purge-Allowed = "yes"; } }
# (deploy/varnish/quire-site.*.vcl, or the one scripts/lib/varnish.mjs writes).

import std;
import xkey;

include "quire-site.vcl";

# How long a tagged object is kept. Long, because purges keep it fresh; the
# web can ask for less with `Surrogate-Control: max-age=N`.
# (VCL has no constants: the values are written where they are used.)
#   tagged pages:         ttl 1d, grace 6h (grace is used only while the web is down)
#   /_next/static/:       ttl 365d (content-hashed names never change)
#   /media/:              the same (files named by their original's SHA-256)
#   404 without tags:     1s (absorbs floods of missing URLs; nothing to purge)
#   not cacheable:        hit-for-miss 60s (requests go straight to the web
#                         instead of queueing behind one another)

sub vcl_recv {
    # Lower-case Host, 400 without one on HTTP/1.1 (the built-in rules).
    call vcl_req_host;

    # Only this file may set these; never trust a client's copy.
    unset req.http.X-Quire-Purge-Allowed;
    unset req.http.X-Quire-Purged;
    unset req.http.X-Quire-Edge;

    call quire_backend;

    if (req.method == "PURGE" || req.method == "BAN") {
        call quire_purge;
    }
    # The secret and purge headers mean nothing to the web: do not leak them.
    unset req.http.X-Quire-Purge-Secret;
    unset req.http.xkey-purge;

    if (req.method != "GET" && req.method != "HEAD" && req.method != "POST" &&
        req.method != "PUT" && req.method != "PATCH" && req.method != "DELETE" &&
        req.method != "OPTIONS") {
        # TRACE, CONNECT, PRI, anything made up: the web answers none of them,
        # and piping them would hand the connection to whoever asked.
        return (synth(405, "Method Not Allowed"));
    }

    # Grace (serving an expired copy) only while the web is down: when it is
    # up an expired object is an ordinary miss, so nobody reads an old page
    # for the sake of speed. When it is down, the object's own grace applies.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }

    if (req.method != "GET" && req.method != "HEAD") {
        # POST is Server Actions and forms; nothing else is cached either.
        return (pass);
    }
    if (req.http.next-action) {
        # A Server Action invoked with GET: its answer belongs to its caller.
        return (pass);
    }
    if (req.url ~ "^/(admin|search|healthz)(/|\?|$)") {
        # The admin is per-user, search is dynamic, health must be live.
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;)\s*(quire_session|__prerender_bypass|__next_preview_data)=") {
        # Signed in or in draft mode: the page may differ from what readers
        # see. Cookies are kept, the web needs them.
        return (pass);
    }

    # Readers' other cookies (analytics, consent, ...) change nothing the web
    # renders; leaving them would split or bypass the cache for everyone who
    # has one.
    unset req.http.Cookie;
    return (hash);
}

# PURGE and BAN: checked, done, answered. Never reaches the web.
sub quire_purge {
    if (req.http.X-Quire-Purge-Secret) {
        call quire_purge_allowed;
    }
    if (req.http.X-Quire-Purge-Allowed != "yes") {
        return (synth(403, "Forbidden"));
    }
    unset req.http.X-Quire-Purge-Allowed;

    if (req.method == "BAN") {
        # Every object; for an edge that missed purges (the web bans after
        # an outage) or an operator.
        ban("obj.status != 0");
        return (synth(200, "Banned"));
    }
    if (!req.http.xkey-purge) {
        return (synth(400, "xkey-purge header required"));
    }
    # Hard purge: the objects are gone, not kept for grace. A purged page
    # must never come back, even while the web is down.
    set req.http.X-Quire-Purged = xkey.purge(req.http.xkey-purge);
    return (synth(200, "Purged"));
}

sub vcl_hash {
    # Next.js answers the same URL with HTML or with an RSC payload (client
    # navigations and prefetches), chosen by these request headers. They are
    # part of the key when present; the web also sends `Vary` on them, and
    # hashing keeps each variant a separate object rather than a Vary chain.
    # A plain page request has none of them, so it hashes as before.
    if (req.http.rsc) {
        hash_data("rsc:" + req.http.rsc);
    }
    if (req.http.next-router-state-tree) {
        hash_data("state-tree:" + req.http.next-router-state-tree);
    }
    if (req.http.next-router-prefetch) {
        hash_data("prefetch:" + req.http.next-router-prefetch);
    }
    if (req.http.next-router-segment-prefetch) {
        hash_data("segment-prefetch:" + req.http.next-router-segment-prefetch);
    }
    # Falls through to the built-in vcl_hash: URL and Host.
}

sub vcl_backend_fetch {
    # The client side's bookkeeping stays on the client side.
    unset bereq.http.X-Quire-Edge;
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        # A pass: the web's answer goes to this one client as it is.
        return (deliver);
    }

    if (bereq.url ~ "^/(_next/static|media)/" && beresp.status == 200 && !beresp.http.Set-Cookie) {
        # Content-hashed file names (build files; media files, named by their
        # original's SHA-256): a changed file gets a new URL.
        set beresp.ttl = 365d;
        set beresp.grace = 1d;
        set beresp.http.Cache-Control = "public, max-age=31536000, immutable";
        return (deliver);
    }

    if (beresp.http.Set-Cookie ||
        beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)" ||
        beresp.http.Vary == "*") {
        # Meant for one client only.
        call quire_not_cacheable;
    }
    if (beresp.status != 200 && beresp.status != 301 && beresp.status != 308 && beresp.status != 404) {
        # Errors and temporary redirects: the next request asks again.
        call quire_not_cacheable;
    }
    if (!beresp.http.xkey) {
        if (beresp.status == 404) {
            # Untagged and unpurgeable, so only for a moment.
            set beresp.ttl = 1s;
            set beresp.grace = 0s;
            return (deliver);
        }
        # Nothing could purge it: never kept.
        call quire_not_cacheable;
    }

    # Tagged: kept until purged (or a day), whatever the web's s-maxage says.
    set beresp.ttl = 1d;
    if (beresp.http.Surrogate-Control ~ "(?i)(^|[,\s])max-age=[0-9]+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "(?i)^(.*[,\s])?max-age=([0-9]+).*$", "\2") + "s",
            1d);
    }
    set beresp.grace = 6h;
    return (deliver);
}

# Hit-for-miss: remembered as uncacheable for a minute, so requests for it go
# to the web at once instead of waiting for one another; a later answer that
# is cacheable (tagged) replaces it.
sub quire_not_cacheable {
    set beresp.uncacheable = true;
    set beresp.ttl = 60s;
    set beresp.grace = 0s;
    return (deliver);
}

sub vcl_deliver {
    # Evidence for operators and tests: what the edge did with this request.
    if (obj.uncacheable) {
        set resp.http.X-Quire-Edge = "pass";
    } elsif (obj.hits == 0) {
        set resp.http.X-Quire-Edge = "miss";
    } elsif (obj.ttl <= 0s) {
        # Only reachable while the web is down (see req.grace in vcl_recv).
        set resp.http.X-Quire-Edge = "stale";
    } else {
        set resp.http.X-Quire-Edge = "hit";
    }

    if (!obj.uncacheable) {
        if (req.url ~ "^/(_next/static|media)/" && resp.status == 200) {
            set resp.http.Cache-Control = "public, max-age=31536000, immutable";
        } else {
            # Browsers revalidate every time (cheap: the edge answers 304 from
            # the cached object's ETag), and no other cache may keep a page
            # that the edge can purge but they cannot. The web's s-maxage is
            # meant for this edge only.
            set resp.http.Cache-Control = "public, max-age=0, must-revalidate";
        }
    }

    # Internal: the tags, Next.js's cache reports, Varnish's own marks. Age
    # stays (it says how old the copy is).
    unset resp.http.xkey;
    unset resp.http.x-next-cache-tags;
    unset resp.http.x-nextjs-cache;
    unset resp.http.x-nextjs-prerender;
    unset resp.http.x-nextjs-stale-time;
    unset resp.http.Surrogate-Control;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
}

sub vcl_synth {
    unset resp.http.X-Varnish;
    if (req.http.X-Quire-Purged) {
        set resp.http.X-Quire-Purged = req.http.X-Quire-Purged;
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = "purged " + req.http.X-Quire-Purged + {"
"};
        return (deliver);
    }
    if (req.method == "PURGE" || req.method == "BAN") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
    # Anything else: the built-in error page.
}
