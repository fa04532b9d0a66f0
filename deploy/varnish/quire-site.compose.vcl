# The site include of deploy/varnish/quire.vcl for `docker compose up`: the one
# web replica. deploy/varnish/entrypoint replaces the placeholder below with
# QUIRE_EDGE_PURGE_SECRET in a copy under /tmp, never in the image.

backend web {
    .host = "web";
    .port = "3000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = {
        .url = "/healthz";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
        # Healthy from the start: compose starts the edge once the web is healthy.
        .initial = 3;
    }
}

sub quire_backend {
    set req.backend_hint = web;
}

sub quire_purge_allowed {
    if (req.http.X-Quire-Purge-Secret == "@QUIRE_EDGE_PURGE_SECRET@") {
        set req.http.X-Quire-Purge-Allowed = "yes";
    }
}
