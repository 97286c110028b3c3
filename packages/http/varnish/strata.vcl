vcl 4.1;
# Varnish 7 in front of Strata (@strata/cache-http), with the xkey vmod of varnish-modules
# (Debian/Ubuntu: apt-get install varnish varnish-modules). What it adds to stock Varnish:
#  - purge and soft purge by tag: `PURGE /` with `xkey-purge: <tags>` or
#    `xkey-softpurge: <tags>` (what varnishPurger() sends), from the `purgers` ACL only;
#  - tags from Strata's `Surrogate-Key` response header, indexed by xkey;
#  - CDN-Cache-Control (RFC 9213), then Surrogate-Control, obeyed before Cache-Control;
#    Surrogate-Control and xkey never reach the client;
#  - this cache's own member in Cache-Status (RFC 9211), after Strata's.
import std;
import xkey;

# Your Strata server.
backend default {
    .host = "127.0.0.1";
    .port = "3000";
}

# Who may purge: the application servers.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.xkey-softpurge) {
            set req.http.n-gone = xkey.softpurge(req.http.xkey-softpurge);
        } else {
            return (synth(400, "Send the tags in xkey-purge or xkey-softpurge"));
        }
        return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
    }
}

sub vcl_backend_response {
    # The one line that turns Strata's tags into xkey's.
    set beresp.http.xkey = beresp.http.Surrogate-Key;

    # A targeted field decides instead of Cache-Control and Expires: CDN-Cache-Control first,
    # then Surrogate-Control (stock Varnish reads neither for freshness).
    if (beresp.http.CDN-Cache-Control) {
        set beresp.http.X-Strata-Directives = beresp.http.CDN-Cache-Control;
    } elsif (beresp.http.Surrogate-Control) {
        set beresp.http.X-Strata-Directives = beresp.http.Surrogate-Control;
    }
    if (beresp.http.X-Strata-Directives) {
        call strata_targeted_freshness;
        unset beresp.http.X-Strata-Directives;
        return (deliver);
    }
}

sub strata_targeted_freshness {
    if (beresp.http.X-Strata-Directives ~ "(?i)(^|[,\s])(no-store|private)\s*(,|$)" ||
        beresp.http.Set-Cookie) {
        # Hit-for-miss, as stock Varnish does for uncacheable responses.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return;
    }
    if (beresp.http.X-Strata-Directives ~ "(?i)(^|[,\s])no-cache\s*(,|$)") {
        set beresp.ttl = 0s;
    } elsif (beresp.http.X-Strata-Directives ~ "(?i)(^|[,\s])max-age=[0-9]+") {
        # max-age counts from when the origin made the response: Age is already used up.
        set beresp.ttl = std.duration(regsub(beresp.http.X-Strata-Directives,
            "(?i)^(.*[,\s])?max-age=([0-9]+).*$", "\2") + "s", 0s) -
            std.duration(beresp.http.Age + "s", 0s);
    } else {
        set beresp.ttl = 0s;
    }
    # Stale serving only where the response allows it.
    set beresp.grace = 0s;
    if (beresp.http.X-Strata-Directives ~ "(?i)(^|[,\s])stale-while-revalidate=[0-9]+" &&
        beresp.http.X-Strata-Directives !~ "(?i)must-revalidate") {
        set beresp.grace = std.duration(regsub(beresp.http.X-Strata-Directives,
            "(?i)^(.*[,\s])?stale-while-revalidate=([0-9]+).*$", "\2") + "s", 0s);
    }
    # Kept past TTL and grace so the next fetch is a conditional request (a cheap 304).
    set beresp.keep = 1h;
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.Surrogate-Control;
    # RFC 9211: this cache's member goes after the members of the caches behind it.
    if (obj.hits > 0) {
        set req.http.X-Strata-Member = "Varnish; hit";
    } elsif (obj.uncacheable) {
        set req.http.X-Strata-Member = "Varnish; fwd=miss; detail=uncacheable";
    } else {
        set req.http.X-Strata-Member = "Varnish; fwd=miss; stored";
    }
    if (resp.http.Cache-Status) {
        set resp.http.Cache-Status = resp.http.Cache-Status + ", " + req.http.X-Strata-Member;
    } else {
        set resp.http.Cache-Status = req.http.X-Strata-Member;
    }
    unset req.http.X-Strata-Member;
}
