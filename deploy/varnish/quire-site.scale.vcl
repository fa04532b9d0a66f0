# The site include of deploy/varnish/quire.vcl for the `scale` profile: both web
# replicas, taken in turn, each with its own health probe (a replica that
# fails it gets no requests; with both down the edge serves stale copies).
# deploy/varnish/entrypoint replaces the placeholder below with
# QUIRE_EDGE_PURGE_SECRET in a copy under /tmp, never in the image.

import directors;

probe web_health {
    .url = "/healthz";
    .interval = 5s;
    .timeout = 2s;
    .window = 5;
    .threshold = 3;
    # Healthy from the start: compose starts the edge once the web is healthy.
    .initial = 3;
}

backend web_1 {
    .host = "web";
    .port = "3000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = web_health;
}

backend web_2 {
    .host = "web-2";
    .port = "3000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = web_health;
}

sub vcl_init {
    new webs = directors.round_robin();
    webs.add_backend(web_1);
    webs.add_backend(web_2);
}

sub quire_backend {
    set req.backend_hint = webs.backend();
}

sub quire_purge_allowed {
    if (req.http.X-Quire-Purge-Secret == "@QUIRE_EDGE_PURGE_SECRET@") {
        set req.http.X-Quire-Purge-Allowed = "yes";
    }
}
